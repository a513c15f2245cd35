namespace StandardsRegistry.Api.Tests.Support;

/// <summary>The migration scripts that ship for a provider (embedded in the Data assembly from db/&lt;provider&gt;/).</summary>
public static class MigrationScripts
{
    public static int Count(string provider) =>
        typeof(Data.SqlDialect).Assembly.GetManifestResourceNames().Count(n => n.StartsWith($"db.{provider}/", StringComparison.Ordinal));
}
