using System.Text.RegularExpressions;
using Npgsql;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>What the PostgreSQL dialect adds to an operator's connection string, and what it leaves as the operator set it.</summary>
public sealed class PostgresConnectionTests
{
    private static NpgsqlConnectionStringBuilder Normalized(string connectionString) =>
        new(SqlDialect.For("postgres").Normalize(connectionString));

    [Fact]
    public void APooledConnectionIsNotResetOnReturnUnlessTheOperatorAsksForIt()
    {
        // The registry keeps no session state on a connection, so the reset (seven statements per checkout) is skipped.
        Assert.True(Normalized("Host=db;Database=registry").NoResetOnClose);
        Assert.False(Normalized("Host=db;Database=registry;No Reset On Close=false").NoResetOnClose);
        Assert.False(Normalized("Host=db;Database=registry;NoResetOnClose=false").NoResetOnClose);
    }

    /// <summary>
    /// Why skipping the reset is safe, held as a rule: nothing the registry sends to PostgreSQL leaves state on the
    /// session (a setting outside a transaction, a role, a temporary table, a session advisory lock, a LISTEN, a named
    /// prepared statement) for the next user of the pooled connection to inherit; every transaction names its own
    /// isolation level. The statements are the data layer's and the PostgreSQL migrations' (SQL keywords in upper case,
    /// as everywhere in them).
    /// </summary>
    [Fact]
    public void NothingTheRegistrySendsLeavesStateOnTheSession()
    {
        var sessionState = new Regex(
            @"\bSET\s+(SESSION|ROLE|TIME\s+ZONE|search_path|statement_timeout|lock_timeout)\b|\bset_config\s*\(|\bRESET\s+ALL\b|\b(UN)?LISTEN\s|\bpg_(try_)?advisory_lock|\bCREATE\s+(TEMP|TEMPORARY)\b|^\s*PREPARE\s",
            RegexOptions.Multiline);
        var root = RepositoryPaths.Root;
        var sources = Directory.EnumerateFiles(Path.Combine(root, "src", "StandardsRegistry.Data"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "db", "postgres"), "*.sql"))
            .ToList();
        Assert.NotEmpty(sources);
        var found = sources
            .SelectMany(f => sessionState.Matches(File.ReadAllText(f)).Select(m => $"{Path.GetRelativePath(root, f)}: {m.Value.Trim()}"))
            .ToList();
        Assert.True(found.Count == 0, "Session state would leak through pooled connections, which the PostgreSQL dialect no longer resets (No Reset On Close): "
            + string.Join("; ", found));
    }

    [Fact]
    public void StatementsArePreparedAndAGoneServerFailsFastUnlessTheOperatorSaysOtherwise()
    {
        var defaults = Normalized("Host=db;Database=registry");
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.Equal(5, defaults.Timeout);
        var explicitly = Normalized("Host=db;Database=registry;Max Auto Prepare=8;Timeout=30");
        Assert.Equal(8, explicitly.MaxAutoPrepare);
        Assert.Equal(30, explicitly.Timeout);
        // Npgsql's own defaults, named: the operator's choice (no prepared statements behind a pooler in transaction
        // mode, a server reached over a slow link), kept although the values are those the dialect would replace.
        var named = Normalized("Host=db;Database=registry;Max Auto Prepare=0;Timeout=15");
        Assert.Equal(0, named.MaxAutoPrepare);
        Assert.Equal(15, named.Timeout);
        Assert.Equal(0, Normalized("Host=db;Database=registry;maxautoprepare=0;timeout=15").MaxAutoPrepare);
        Assert.Equal(15, Normalized("Host=db;Database=registry;maxautoprepare=0;timeout=15").Timeout);
        // Naming one leaves the other's minimum at the dialect's, and naming the minimum keeps it.
        Assert.Equal(2, Normalized("Host=db;Database=registry;Timeout=15").AutoPrepareMinUsages);
        Assert.Equal(7, Normalized("Host=db;Database=registry;Auto Prepare Min Usages=7").AutoPrepareMinUsages);
    }
}
