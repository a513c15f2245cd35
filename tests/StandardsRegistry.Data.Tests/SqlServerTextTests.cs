using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace StandardsRegistry.Data.Tests;

/// <summary>No SQL Server here: every T-SQL text the registry would send is at least parsed by SQL Server's own parser.</summary>
public sealed class SqlServerTextTests
{
    private static readonly SqlDialect SqlServer = SqlDialect.For(SqlDialect.SqlServer);

    public static TheoryData<string> Scripts()
    {
        var assembly = typeof(SqlDialect).Assembly;
        return new TheoryData<string>(assembly.GetManifestResourceNames().Where(SqlServer.IsScript).Order());
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void EveryMigrationScriptParses(string resource)
    {
        using var stream = typeof(SqlDialect).Assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);

        AssertParses(reader.ReadToEnd(), resource);
    }

    [Fact]
    public void ThereIsAtLeastOneMigrationScript() => Assert.NotEmpty(Scripts());

    [Fact]
    public void EveryStatementTheStoresIssueParses()
    {
        var statements = SqlStatements.All(SqlServer).ToList();

        Assert.True(statements.Count > 30, $"only {statements.Count} statements enumerated");
        Assert.All(statements, sql => AssertParses(sql, sql));
        Assert.Contains(statements, s => s.Contains("OFFSET 0 ROWS FETCH NEXT @limit ROWS ONLY", StringComparison.Ordinal));
        Assert.Contains(statements, s => s.Contains("OUTPUT INSERTED.edition", StringComparison.Ordinal));
    }

    /// <summary>
    /// The audit trail's <c>subject=</c> compares exactly on SQL Server too (AuditAppendTests'
    /// TheSubjectFilterMatchesOnlyThatSubjectExactly, which needs a server): the column's default collation ignores case,
    /// width and trailing spaces, so <c>Anonymous</c>, <c>ＡＮＯＮＹＭＯＵＳ</c> or <c>anonymous </c> — subjects a token may
    /// hold — matched <c>anonymous</c>, the subject the registry records anonymous callers under.
    /// </summary>
    [Fact]
    public void TheAuditSubjectFilterComparesExactly()
    {
        var sql = AuditLog.Sql.Query(SqlServer, subject: true, key: false, from: false, to: false, after: false);

        AssertParses(sql, sql);
        Assert.Contains("a.subject = @subject COLLATE Latin1_General_100_BIN2", sql, StringComparison.Ordinal);
        Assert.Contains("DATALENGTH(a.subject) = DATALENGTH(@subject)", sql, StringComparison.Ordinal);
    }

    /// <summary>
    /// Text search matches what was typed, character for character, on SQL Server too (BadInputTests'
    /// LikeWildcardsInTheTextSearchMatchOnlyThemselves, which needs a server there): T-SQL's LIKE also reads <c>[</c> as
    /// the start of a character set, so <c>q=[a-z]</c> matched every title with a letter and <c>q=[</c> none. Read as
    /// T-SQL's LIKE reads it (escape <c>\</c>), the pattern is any text, each character typed as itself, any text.
    /// </summary>
    [Theory]
    [InlineData("[a-z]")]
    [InlineData("[")]
    [InlineData("[^x]")]
    [InlineData("]")]
    [InlineData("100%")]
    [InlineData("snake_case")]
    [InlineData(@"C:\temp\[1]")]
    [InlineData(@"\[")]
    public void TheTextSearchMatchesEveryCharacterAsItselfInTransactSqlsLike(string q)
    {
        var pattern = CatalogueQueries.SearchPattern(q);

        Assert.Equal(["%", .. q.ToLowerInvariant().Select(c => $"'{c}'"), "%"], TransactSqlLike(pattern));
    }

    /// <summary>The tokens of a T-SQL LIKE pattern with <c>ESCAPE '\'</c>: wildcards as themselves, literal characters quoted.</summary>
    private static List<string> TransactSqlLike(string pattern)
    {
        var tokens = new List<string>();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                tokens.Add($"'{pattern[++i]}'");
            }
            else if (pattern[i] == '[' && pattern.IndexOf(']', i + 1) is var end and > 0)
            {
                tokens.Add(pattern[i..(end + 1)]);
                i = end;
            }
            else
            {
                tokens.Add(pattern[i] is '%' or '_' or '[' ? pattern[i].ToString() : $"'{pattern[i]}'");
            }
        }
        return tokens;
    }

    /// <summary>
    /// A write transaction on SQL Server names READ COMMITTED (AuditAppendTests and the write paths would show it with a
    /// server): SqlClient's pool keeps a session's isolation when a connection is given back (dotnet/SqlClient#96), and a
    /// transaction begun without a level takes it, so after a snapshot read (GET /current, SNAPSHOT on a request-pool
    /// connection since 2026-12-07) the audit appender reopening from that pool appended in SNAPSHOT, where a head row
    /// another instance updated is refused (3960) instead of waited for. The other providers' drivers begin each
    /// transaction at their default whatever came before, and keep it.
    /// </summary>
    [Fact]
    public void AWriteTransactionNamesReadCommittedSinceAPooledSessionKeepsASnapshotReadsIsolation()
    {
        Assert.Equal(System.Data.IsolationLevel.ReadCommitted, SqlServer.WriteIsolation);
        Assert.Equal(System.Data.IsolationLevel.Unspecified, SqlDialect.For(SqlDialect.Sqlite).WriteIsolation);
        Assert.Equal(System.Data.IsolationLevel.Unspecified, SqlDialect.For(SqlDialect.Postgres).WriteIsolation);
    }

    /// <summary>
    /// The search's identity pattern reads on SQL Server as the designation's identity typed, each character as itself
    /// (<c>[</c> included, which T-SQL's LIKE takes for a set), and a term folding to nothing is no pattern (NULL: LIKE
    /// NULL matches no row) rather than <c>%%</c>, which matches every standard.
    /// </summary>
    [Theory]
    [InlineData("[a-z]")]
    [InlineData("stanag_[1]%")]
    [InlineData(@"C:\temp")]
    public void TheIdentitySearchMatchesEveryCharacterAsItselfInTransactSqlsLike(string q)
    {
        var pattern = CatalogueQueries.IdentityPattern(q)!;

        Assert.Equal(["%", .. StandardsRegistry.Domain.Designations.Identity(q).Select(c => $"'{c}'"), "%"], TransactSqlLike(pattern));
        Assert.Null(CatalogueQueries.IdentityPattern("\u200B \u0301"));
    }

    [Fact]
    public void TheParserRejectsBrokenText()
    {
        var errors = Parse("SELECT key FROM standards LIMIT 1");

        Assert.NotEmpty(errors);
    }

    private static void AssertParses(string sql, string what)
    {
        var errors = Parse(sql);
        Assert.True(errors.Count == 0, $"{what}:\n{string.Join("\n", errors.Select(e => $"line {e.Line}, col {e.Column}: {e.Message}"))}\n---\n{sql}");
    }

    private static IList<ParseError> Parse(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        return errors;
    }
}
