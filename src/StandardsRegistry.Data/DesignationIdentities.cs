using System.Data.Common;
using Dapper;
using DbUp.Engine;
using DbUp.Engine.Output;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// Migration 0033 on every provider: the fold (<see cref="Designations.Identity"/>) is C#, so each standard's
/// <c>designation_identity</c> (column of 0032) is filled here before the script makes it unique. Standards created
/// before the rule may already share one (docs/design.md §1.1): the oldest (by creation time, then id) holds it, each
/// later one keeps its designation with no identity (NULL, which the unique index admits any number of) and is named in
/// the migration log; nothing is refused or lost, and a new standard whose designation reads as theirs is refused as
/// holding the oldest's.
/// </summary>
/// <remarks>
/// DbUp (6.1) asks for the script's text in a transaction of its own on the migration's connection (its commands come
/// from <c>dbCommandFactory</c>), committed before the script's transaction begins: the identities are written in the
/// first, the index made in the second. A migration stopped between the two finds 0033 still to apply and fills again
/// (every row's identity is written, not only missing ones), so it never leaves a half-filled column behind an index.
/// </remarks>
internal sealed class DesignationIdentities(string contents, IUpgradeLog log) : IScript
{
    /// <summary>The script's name after <c>db.&lt;provider&gt;/</c>.</summary>
    public const string Script = "0033_designation_identity_index.sql";

    /// <summary>Rows per UPDATE batch: two parameters each, well under SQL Server's 2,100.</summary>
    private const int Batch = 500;

    public string ProvideScript(Func<System.Data.IDbCommand> dbCommandFactory)
    {
        DbConnection connection;
        DbTransaction? transaction;
        using (var command = dbCommandFactory())
        {
            (connection, transaction) = ((DbConnection)command.Connection!, (DbTransaction?)command.Transaction);
        }
        var standards = connection.Query<(long Id, string Key, string Designation)>(
            "SELECT id, standard_key, designation FROM standards ORDER BY created_at, id", transaction: transaction).AsList();
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        var rows = new List<(long Id, string? Identity)>(standards.Count);
        foreach (var (id, key, designation) in standards)
        {
            var identity = Designations.Identity(designation);
            if (holders.TryAdd(identity, key))
            {
                rows.Add((id, identity));
            }
            else
            {
                rows.Add((id, null));
                log.LogWarning("Standard '{0}' keeps its designation but does not hold it: '{1}', created before it, holds one a reader takes for the same (docs/design.md §1.1).",
                    key, holders[identity]);
            }
        }
        foreach (var chunk in rows.Chunk(Batch))
        {
            Write(connection, transaction, chunk);
        }
        return contents;
    }

    private static void Write(DbConnection connection, DbTransaction? transaction, (long Id, string? Identity)[] chunk)
    {
        var sql = new System.Text.StringBuilder();
        var parameters = new DynamicParameters();
        for (var i = 0; i < chunk.Length; i++)
        {
            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $"UPDATE standards SET designation_identity = @i{i} WHERE id = @d{i};\n");
            parameters.Add($"i{i}", chunk[i].Identity, System.Data.DbType.String);
            parameters.Add($"d{i}", chunk[i].Id, System.Data.DbType.Int64);
        }
        connection.Execute(sql.ToString(), parameters, transaction);
    }
}
