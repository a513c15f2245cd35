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

    /// <summary>
    /// Connections at most in the request pool (PostgreSQL, SQL Server), per instance; it replaces a
    /// <c>Maximum Pool Size</c> in the connection string. Default: twice this machine's cores, at least 4 — a database
    /// server runs about as many queries at once as it has cores (the usual sizing rule is cores × 2 plus disks):
    /// more connections only queue inside the server, where they wait longer than in the pool (on the benchmark
    /// machine, p99 of GET latest fell from 46–136 ms at 32 connections to about 12 ms near the core count). Set it
    /// for the database's cores when the database runs elsewhere. The audit trail's writer keeps one of these connections, hence at least 2.
    /// On SQLite, the connections open at most for reads (and for writes, which pass one at a time anyway): a burst of
    /// reads beyond it waits for one, as on a server, instead of opening one per request.
    /// </summary>
    [Range(2, 1000)]
    public int? MaxPoolSize { get; set; }

    /// <summary>
    /// Connections at most in the streams' pool (the catalogue export, the audit verification), per instance, apart
    /// from the request pool so long streams never take the connections reads need; a stream that finds it full waits
    /// the connection timeout, then is answered 503. On SQLite too: connections open at most for streams, apart from the
    /// reads' (a stream beyond it waits the connection string's <c>Default Timeout</c>, then is answered 503).
    /// </summary>
    [Range(1, 1000)]
    public int StreamPoolSize { get; set; } = DefaultStreamPoolSize;

    public const int DefaultStreamPoolSize = 8;

    /// <summary>
    /// Connections at most in the writers' pool (PostgreSQL, SQL Server), per instance: the write transactions, and the
    /// reads of a writing request, take their connections there, so an editor never queues behind the consumers' reads
    /// for a connection. Writers are few and each holds its connection for one transaction. Ignored on SQLite.
    /// </summary>
    [Range(1, 1000)]
    public int WritePoolSize { get; set; } = 4;

    /// <summary>The request pool's size: <see cref="MaxPoolSize"/>, or the default described there.</summary>
    public int RequestPoolSize => MaxPoolSize ?? DefaultRequestPoolSize;

    /// <summary>Twice this machine's cores, at least 4.</summary>
    public static int DefaultRequestPoolSize => Math.Max(4, 2 * Environment.ProcessorCount);
}
