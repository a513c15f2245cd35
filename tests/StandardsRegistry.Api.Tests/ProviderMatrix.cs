using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// The API suites run on every database provider: each abstract suite gets one class per provider here.
// PostgreSQL runs on a throwaway cluster where its server binaries are installed (CI installs them);
// SQL Server runs when REGISTRY_TEST_SQLSERVER is set. Otherwise those tests are reported skipped, with why.

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

public sealed class AuthorizationMatrixTestsOnSqlite(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.Sqlite, output);

public sealed class AuthorizationMatrixTestsOnPostgres(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.Postgres, output);

public sealed class AuthorizationMatrixTestsOnSqlServer(ITestOutputHelper output) : AuthorizationMatrixTests(TestProvider.SqlServer, output);

// The random-request property: thousands of requests on SQLite, fewer on the server databases (same routes and oracle).

public sealed class RandomRequestTestsOnSqlite(ITestOutputHelper output) : RandomRequestTests(TestProvider.Sqlite, 10_000, output);

public sealed class RandomRequestTestsOnPostgres(ITestOutputHelper output) : RandomRequestTests(TestProvider.Postgres, 3_000, output);

public sealed class RandomRequestTestsOnSqlServer(ITestOutputHelper output) : RandomRequestTests(TestProvider.SqlServer, 3_000, output);
