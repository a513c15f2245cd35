using System.ComponentModel.DataAnnotations;

namespace StandardsRegistry.Data;

/// <summary>The <c>Database</c> configuration section; the connection string is <c>ConnectionStrings:Registry</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>sqlite</c> (default).</summary>
    [Required]
    public string Provider { get; set; } = SqlDialect.Sqlite;

    /// <summary>Load the sample catalogue into an empty database at start.</summary>
    public bool Seed { get; set; }
}
