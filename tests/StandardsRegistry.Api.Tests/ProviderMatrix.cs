using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// The API suites that run on every database provider, declared here and only here: each is an abstract class taking
// its provider (a TestProvider, or a class fixture built per provider through IProviderChoice, such as a shared seeded
// host), and gets one sealed class per provider, named <Suite>On<Provider>. A test about one provider only (a
// PostgreSQL fault, its pool) names that provider itself. PostgreSQL runs on a throwaway cluster where its server
// binaries are installed (CI installs them); SQL Server runs when REGISTRY_TEST_SQLSERVER is set. Otherwise those
// tests are reported skipped, with why.

public sealed class EditorialTestsOnSqlite() : EditorialTests(TestProvider.Sqlite);

public sealed class EditorialTestsOnPostgres() : EditorialTests(TestProvider.Postgres);

public sealed class EditorialTestsOnSqlServer() : EditorialTests(TestProvider.SqlServer);

public sealed class WorkflowTestsOnSqlite() : WorkflowTests(TestProvider.Sqlite);

public sealed class WorkflowTestsOnPostgres() : WorkflowTests(TestProvider.Postgres);

public sealed class WorkflowTestsOnSqlServer() : WorkflowTests(TestProvider.SqlServer);

public sealed class BadInputTestsOnSqlite(BadInputCatalogue<OnSqlite> catalogue) : BadInputTests(catalogue), IClassFixture<BadInputCatalogue<OnSqlite>>;

public sealed class BadInputTestsOnPostgres(BadInputCatalogue<OnPostgres> catalogue) : BadInputTests(catalogue), IClassFixture<BadInputCatalogue<OnPostgres>>;

public sealed class BadInputTestsOnSqlServer(BadInputCatalogue<OnSqlServer> catalogue) : BadInputTests(catalogue), IClassFixture<BadInputCatalogue<OnSqlServer>>;

public sealed class AuthTestsOnSqlite(AuthCatalogue<OnSqlite> catalogue) : AuthTests(catalogue), IClassFixture<AuthCatalogue<OnSqlite>>;

public sealed class AuthTestsOnPostgres(AuthCatalogue<OnPostgres> catalogue) : AuthTests(catalogue), IClassFixture<AuthCatalogue<OnPostgres>>;

public sealed class AuthTestsOnSqlServer(AuthCatalogue<OnSqlServer> catalogue) : AuthTests(catalogue), IClassFixture<AuthCatalogue<OnSqlServer>>;

public sealed class AuditTestsOnSqlite() : AuditTests(TestProvider.Sqlite);

public sealed class AuditTestsOnPostgres() : AuditTests(TestProvider.Postgres);

public sealed class AuditTestsOnSqlServer() : AuditTests(TestProvider.SqlServer);

// The audit fault tests: real processes killed and audit logs made unwritable, on SQLite and PostgreSQL.

public sealed class AuditFaultTestsOnSqlite() : AuditFaultTests(TestProvider.Sqlite);

public sealed class AuditFaultTestsOnPostgres() : AuditFaultTests(TestProvider.Postgres);

public sealed class WebhookCrashTestsOnSqlite() : WebhookCrashTests(TestProvider.Sqlite);

public sealed class WebhookCrashTestsOnPostgres() : WebhookCrashTests(TestProvider.Postgres);

// Graceful stops (SIGTERM) of a real process under load, on SQLite and PostgreSQL.

public sealed class GracefulStopTestsOnSqlite() : GracefulStopTests(TestProvider.Sqlite);

public sealed class GracefulStopTestsOnPostgres() : GracefulStopTests(TestProvider.Postgres);

public sealed class AuthorizationMatrixTestsOnSqlite(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.Sqlite, output);

public sealed class AuthorizationMatrixTestsOnPostgres(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.Postgres, output);

public sealed class AuthorizationMatrixTestsOnSqlServer(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.SqlServer, output);

// The random-request property: thousands of requests on SQLite, fewer on the server databases (same routes and oracle).

public sealed class RandomRequestTestsOnSqlite(ITestOutputHelper output) : RandomRequestTests(TestProvider.Sqlite, 10_000, output);

public sealed class RandomRequestTestsOnPostgres(ITestOutputHelper output) : RandomRequestTests(TestProvider.Postgres, 3_000, output);

public sealed class RandomRequestTestsOnSqlServer(ITestOutputHelper output) : RandomRequestTests(TestProvider.SqlServer, 3_000, output);

// National responses under the release rule.

public sealed class CapabilityTableTestsOnSqlite() : CapabilityTableTests(TestProvider.Sqlite);

public sealed class CapabilityTableTestsOnPostgres() : CapabilityTableTests(TestProvider.Postgres);

public sealed class NationalResponseTestsOnSqlite() : NationalResponseTests(TestProvider.Sqlite);

public sealed class NationalResponseTestsOnPostgres() : NationalResponseTests(TestProvider.Postgres);

public sealed class NationalResponseTestsOnSqlServer() : NationalResponseTests(TestProvider.SqlServer);

// Relations between documents under the release rule.

public sealed class RelationTestsOnSqlite() : RelationTests(TestProvider.Sqlite);

public sealed class RelationTestsOnPostgres() : RelationTests(TestProvider.Postgres);

public sealed class RelationTestsOnSqlServer() : RelationTests(TestProvider.SqlServer);

// Attribute search under the release rule.

public sealed class AttributeSearchTestsOnSqlite() : AttributeSearchTests(TestProvider.Sqlite);

public sealed class AttributeSearchTestsOnPostgres() : AttributeSearchTests(TestProvider.Postgres);

public sealed class AttributeSearchTestsOnSqlServer() : AttributeSearchTests(TestProvider.SqlServer);

// The confidentiality label suite.

public sealed class ConfidentialityLabelTestsOnSqlite() : ConfidentialityLabelTests(TestProvider.Sqlite);

public sealed class ConfidentialityLabelTestsOnPostgres() : ConfidentialityLabelTests(TestProvider.Postgres);

public sealed class ConfidentialityLabelTestsOnSqlServer() : ConfidentialityLabelTests(TestProvider.SqlServer);

// The webhook suite.

public sealed class WebhookTestsOnSqlite() : WebhookTests(TestProvider.Sqlite);

public sealed class WebhookTestsOnPostgres() : WebhookTests(TestProvider.Postgres);

// A subscription delivers nothing its registering admin does not read, over generated histories and admins.

public sealed class WebhookRegistrantTestsOnSqlite() : WebhookRegistrantTests(TestProvider.Sqlite);

public sealed class WebhookRegistrantTestsOnPostgres() : WebhookRegistrantTests(TestProvider.Postgres);

// The change feed suite.

public sealed class FeedTestsOnSqlite() : FeedTests(TestProvider.Sqlite);

public sealed class FeedTestsOnPostgres() : FeedTests(TestProvider.Postgres);

public sealed class FeedTestsOnSqlServer() : FeedTests(TestProvider.SqlServer);

// The no-leak crawls of generated catalogues, one class fixture per seed and provider: two seeds on SQLite, one on
// PostgreSQL and one on SQL Server.

public sealed class CatalogueOfSeed1729() : GeneratedCatalogue(1729, TestProvider.Sqlite);

public sealed class CatalogueOfSeed20240611() : GeneratedCatalogue(20240611, TestProvider.Sqlite);

public sealed class CatalogueOfSeed777OnPostgres() : GeneratedCatalogue(777, TestProvider.Postgres);

public sealed class NoLeakTestsOnSeed1729(CatalogueOfSeed1729 catalogue, ITestOutputHelper output) : NoLeakTests<CatalogueOfSeed1729>(catalogue, output);

public sealed class NoLeakTestsOnSeed20240611(CatalogueOfSeed20240611 catalogue, ITestOutputHelper output) : NoLeakTests<CatalogueOfSeed20240611>(catalogue, output);

public sealed class NoLeakTestsOnSeed777OnPostgres(CatalogueOfSeed777OnPostgres catalogue, ITestOutputHelper output) : NoLeakTests<CatalogueOfSeed777OnPostgres>(catalogue, output);

public sealed class CatalogueOfSeed4172OnSqlServer() : GeneratedCatalogue(4172, TestProvider.SqlServer);

public sealed class NoLeakTestsOnSeed4172OnSqlServer(CatalogueOfSeed4172OnSqlServer catalogue, ITestOutputHelper output) : NoLeakTests<CatalogueOfSeed4172OnSqlServer>(catalogue, output);

// The confidentiality label no-leak crawls, one class fixture per seed and provider.

public sealed class LabelCatalogueOfSeed4774() : LabelCatalogue(4774, TestProvider.Sqlite);

public sealed class LabelCatalogueOfSeed4778OnPostgres() : LabelCatalogue(4778, TestProvider.Postgres);

public sealed class ConfidentialityLabelNoLeakTestsOnSeed4774(LabelCatalogueOfSeed4774 catalogue) : ConfidentialityLabelNoLeakTests<LabelCatalogueOfSeed4774>(catalogue);

public sealed class ConfidentialityLabelNoLeakTestsOnSeed4778OnPostgres(LabelCatalogueOfSeed4778OnPostgres catalogue)
    : ConfidentialityLabelNoLeakTests<LabelCatalogueOfSeed4778OnPostgres>(catalogue);

// Non-interference for writes: hidden state changes no answer to a writer's writes and reads.

public sealed class WriteNonInterferenceTestsOnSqlite(ITestOutputHelper output) : WriteNonInterferenceTests(TestProvider.Sqlite, output);

public sealed class WriteNonInterferenceTestsOnPostgres(ITestOutputHelper output) : WriteNonInterferenceTests(TestProvider.Postgres, output);

// README's backup and restore, done under load: VACUUM INTO on SQLite, pg_dump and pg_restore on PostgreSQL.

public sealed class BackupRestoreTestsOnSqlite() : BackupRestoreTests(TestProvider.Sqlite);

public sealed class BackupRestoreTestsOnPostgres() : BackupRestoreTests(TestProvider.Postgres);

// Nation isolation: generated nations' figures and responses, generated principals of every nation, clearance and role.

public sealed class NationIsolationTestsOnSqlite(ITestOutputHelper output) : NationIsolationTests(TestProvider.Sqlite, output);

public sealed class NationIsolationTestsOnPostgres(ITestOutputHelper output) : NationIsolationTests(TestProvider.Postgres, output);

// The audit trail of concurrent generated writes replays to the registry's state.

public sealed class AuditReplayTestsOnSqlite(ITestOutputHelper output) : AuditReplayTests(TestProvider.Sqlite, output);

public sealed class AuditReplayTestsOnPostgres(ITestOutputHelper output) : AuditReplayTests(TestProvider.Postgres, output);
