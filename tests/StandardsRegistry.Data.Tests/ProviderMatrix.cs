using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

// The data suites run on every database provider: each abstract suite gets one class per provider here, as in the API
// tests' ProviderMatrix.cs. An unavailable provider's tests are reported skipped, with why.

public sealed class MigrationTestsOnSqlite() : MigrationTests(TestProvider.Sqlite);

public sealed class MigrationTestsOnPostgres() : MigrationTests(TestProvider.Postgres);

public sealed class MigrationTestsOnSqlServer() : MigrationTests(TestProvider.SqlServer);

public sealed class AuditAppendTestsOnSqlite() : AuditAppendTests(TestProvider.Sqlite);

public sealed class AuditAppendTestsOnPostgres() : AuditAppendTests(TestProvider.Postgres);

public sealed class AuditAppendTestsOnSqlServer() : AuditAppendTests(TestProvider.SqlServer);

public sealed class ReaderCeilingTestsOnSqlite() : ReaderCeilingTests(TestProvider.Sqlite);

public sealed class ReaderCeilingTestsOnPostgres() : ReaderCeilingTests(TestProvider.Postgres);

public sealed class ReaderCeilingTestsOnSqlServer() : ReaderCeilingTests(TestProvider.SqlServer);

public sealed class WriteTransactionTestsOnSqlite() : WriteTransactionTests(TestProvider.Sqlite);

public sealed class WriteTransactionTestsOnPostgres() : WriteTransactionTests(TestProvider.Postgres);

public sealed class WriteTransactionTestsOnSqlServer() : WriteTransactionTests(TestProvider.SqlServer);

public sealed class ListTextTestsOnSqlite() : ListTextTests(TestProvider.Sqlite);

public sealed class ListTextTestsOnPostgres() : ListTextTests(TestProvider.Postgres);

public sealed class ListTextTestsOnSqlServer() : ListTextTests(TestProvider.SqlServer);
