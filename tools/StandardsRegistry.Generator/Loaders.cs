using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Generator;

/// <summary>Bulk-loads a generated catalogue into an empty, migrated database.</summary>
internal interface ICatalogueLoader
{
    /// <summary>Loads the catalogue; <paramref name="observe"/> sees every standard exactly once.</summary>
    void Load(Func<IEnumerable<GeneratedStandard>> catalogue, Action<GeneratedStandard> observe);
}

internal static class Columns
{
    /// <summary>A standard's designation identity is written as the service writes it (db/*/0032_designation_identity.sql).</summary>
    public const string Standards = "id, standard_key, designation, designation_identity, category, title, created_at, created_by";

    public const string Versions =
        "id, standard_id, edition, title, summary, body, attributes, status, classification, row_version, created_at, created_by, updated_at, updated_by, published_at, published_by, withdrawn_at, withdrawn_by, withdrawal_reason";

    public const string Releases =
        "id, version_id, standard_id, audience, reason, effective_from, released_at, released_by, revoked_at, revoked_by, revocation_reason, announced_at";

    /// <summary>
    /// A version's event names the version as its subject too (db/*/0021_feed_subjects.sql). Only version events are
    /// loaded, so each is the view's how-manieth event that is not a response as well (common_seq, db/*/0025_delegate_feed.sql),
    /// and, for every reader of its view, its number among the events a reader speaking for no nation gets is its
    /// sequence (others_seq, db/*/0035_feed_others_numbered.sql).
    /// </summary>
    public const string FeedEvents = "view_id, seq, event_id, type, version_id, occurred_at, subject, subject_id, common_seq, others_seq";

    /// <summary>Creates the feed's views (in <see cref="FeedRows.Views"/> order); their ids, by that order.</summary>
    public static long[] CreateViews(DbConnection connection, DbTransaction transaction)
    {
        foreach (var view in FeedRows.Views)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('{view.Community}', {(int)view.Level}, {(view.Drafts ? 1 : 0)}, 0)";
            insert.ExecuteNonQuery();
        }
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT id FROM feed_views ORDER BY id";
        using var reader = select.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return [.. ids];
    }

    /// <summary>Sets each view's last sequence number after its events were loaded.</summary>
    public static void SetLastSequences(DbConnection connection, DbTransaction transaction, long[] viewIds, FeedRows feed)
    {
        for (var i = 0; i < viewIds.Length; i++)
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = $"UPDATE feed_views SET last_seq = {feed.Last[i]}, last_common = {feed.Last[i]}, last_others = {feed.Last[i]} WHERE id = {viewIds[i]}";
            update.ExecuteNonQuery();
        }
    }

    public const string AttributeValues = "version_id, name, value";

    /// <summary>The bands of the attribute index, from the attribute values loaded (the service writes both on its write path).</summary>
    public static void IndexBands(DbConnection connection, DbTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = AttributeIndex.IndexAllBands;
        command.ExecuteNonQuery();
    }

    public static void RefuseNonEmpty(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM standards";
        var count = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (count > 0)
        {
            throw new InvalidOperationException($"The database already holds {count} standards; load a generated catalogue into an empty one.");
        }
    }
}

/// <summary>SQLite: one transaction, one prepared INSERT per table reused for every row.</summary>
internal sealed class SqliteLoader(string connectionString, long now) : ICatalogueLoader
{
    public void Load(Func<IEnumerable<GeneratedStandard>> catalogue, Action<GeneratedStandard> observe)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Columns.RefuseNonEmpty(connection);
        using (var pragma = connection.CreateCommand())
        {
            // This connection only: nothing is durable until the commit anyway, and a big page cache keeps the indexes in memory.
            pragma.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;";
            pragma.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var standards = Insert(connection, transaction, "standards", Columns.Standards);
        using var versions = Insert(connection, transaction, "versions", Columns.Versions);
        using var releases = Insert(connection, transaction, "releases", Columns.Releases);
        using var events = Insert(connection, transaction, "feed_events", Columns.FeedEvents);
        using var attributes = Insert(connection, transaction, "attribute_values", Columns.AttributeValues);
        var viewIds = Columns.CreateViews(connection, transaction);
        var feed = new FeedRows(now);
        foreach (var s in catalogue())
        {
            observe(s);
            var st = s.Standard;
            Run(standards, st.Id, st.Key, st.Designation, Designations.Identity(st.Designation), st.Category, st.Title, st.CreatedAt, st.CreatedBy);
            foreach (var v in s.Versions)
            {
                Run(versions, v.Id, v.StandardId, v.Edition, v.Title, v.Summary, v.Body, v.Attributes, v.Status, v.Classification, v.RowVersion,
                    v.CreatedAt, v.CreatedBy, v.UpdatedAt, v.UpdatedBy, v.PublishedAt, v.PublishedBy, v.WithdrawnAt, v.WithdrawnBy, v.WithdrawalReason);
                foreach (var (name, value) in AttributeIndex.Values(v.Attributes))
                {
                    Run(attributes, v.Id, name, value);
                }
            }
            foreach (var r in s.Releases)
            {
                Run(releases, r.Id, r.VersionId, st.Id, r.Audience, r.Reason, r.EffectiveFrom, r.ReleasedAt, r.ReleasedBy, r.RevokedAt, r.RevokedBy, r.RevocationReason,
                    FeedRows.AnnouncedAt(r, now));
            }
            foreach (var e in feed.For(s))
            {
                Run(events, viewIds[e.View], e.Seq, e.EventId, EnumText.Of(FeedEventType.Visible), e.VersionId, now, EnumText.Of(FeedSubject.Version), e.VersionId, e.Seq, e.Seq);
            }
        }
        Columns.SetLastSequences(connection, transaction, viewIds, feed);
        Columns.IndexBands(connection, transaction);
        transaction.Commit();
    }

    private static SqliteCommand Insert(SqliteConnection connection, SqliteTransaction transaction, string table, string columns)
    {
        var names = columns.Split(", ");
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        // Table and column names are this class's constants; every value is a parameter.
#pragma warning disable CA2100
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names.Select((_, i) => $"$p{i}"))})";
#pragma warning restore CA2100
        for (var i = 0; i < names.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// PostgreSQL: binary COPY into each table, in one transaction. A connection runs one COPY at a time, so the
/// (deterministic) catalogue is walked once per table; then the identity columns continue after the loaded ids.
/// </summary>
internal sealed class PostgresLoader(string connectionString, long now) : ICatalogueLoader
{
    public void Load(Func<IEnumerable<GeneratedStandard>> catalogue, Action<GeneratedStandard> observe)
    {
        // A load of 10^6 versions takes minutes, far over the default 30 s command timeout.
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 1800 }.ConnectionString);
        connection.Open();
        Columns.RefuseNonEmpty(connection);
        using var transaction = connection.BeginTransaction();

        using (var copy = connection.BeginBinaryImport($"COPY standards ({Columns.Standards}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var s in catalogue())
            {
                observe(s);
                var st = s.Standard;
                copy.StartRow();
                copy.Write(st.Id, NpgsqlDbType.Bigint);
                copy.Write(st.Key, NpgsqlDbType.Text);
                copy.Write(st.Designation, NpgsqlDbType.Text);
                copy.Write(Designations.Identity(st.Designation), NpgsqlDbType.Text);
                copy.Write(st.Category, NpgsqlDbType.Text);
                copy.Write(st.Title, NpgsqlDbType.Text);
                copy.Write(st.CreatedAt, NpgsqlDbType.Bigint);
                copy.Write(st.CreatedBy, NpgsqlDbType.Text);
            }
            copy.Complete();
        }

        using (var copy = connection.BeginBinaryImport($"COPY versions ({Columns.Versions}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var v in catalogue().SelectMany(s => s.Versions))
            {
                copy.StartRow();
                copy.Write(v.Id, NpgsqlDbType.Bigint);
                copy.Write(v.StandardId, NpgsqlDbType.Bigint);
                copy.Write(v.Edition, NpgsqlDbType.Integer);
                copy.Write(v.Title, NpgsqlDbType.Text);
                copy.Write(v.Summary, NpgsqlDbType.Text);
                copy.Write(v.Body, NpgsqlDbType.Text);
                copy.Write(v.Attributes, NpgsqlDbType.Text);
                copy.Write(v.Status, NpgsqlDbType.Text);
                copy.Write((short)v.Classification, NpgsqlDbType.Smallint);
                copy.Write(v.RowVersion, NpgsqlDbType.Bigint);
                copy.Write(v.CreatedAt, NpgsqlDbType.Bigint);
                copy.Write(v.CreatedBy, NpgsqlDbType.Text);
                copy.Write(v.UpdatedAt, NpgsqlDbType.Bigint);
                copy.Write(v.UpdatedBy, NpgsqlDbType.Text);
                WriteNullable(copy, v.PublishedAt);
                WriteNullable(copy, v.PublishedBy);
                WriteNullable(copy, v.WithdrawnAt);
                WriteNullable(copy, v.WithdrawnBy);
                WriteNullable(copy, v.WithdrawalReason);
            }
            copy.Complete();
        }

        using (var copy = connection.BeginBinaryImport($"COPY attribute_values ({Columns.AttributeValues}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var v in catalogue().SelectMany(s => s.Versions))
            {
                foreach (var (name, value) in AttributeIndex.Values(v.Attributes))
                {
                    copy.StartRow();
                    copy.Write(v.Id, NpgsqlDbType.Bigint);
                    copy.Write(name, NpgsqlDbType.Text);
                    copy.Write(value, NpgsqlDbType.Double);
                }
            }
            copy.Complete();
        }
        Columns.IndexBands(connection, transaction);

        using (var copy = connection.BeginBinaryImport($"COPY releases ({Columns.Releases}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (standardId, r) in catalogue().SelectMany(s => s.Releases.Select(r => (s.Standard.Id, r))))
            {
                copy.StartRow();
                copy.Write(r.Id, NpgsqlDbType.Bigint);
                copy.Write(r.VersionId, NpgsqlDbType.Bigint);
                copy.Write(standardId, NpgsqlDbType.Bigint);
                copy.Write(r.Audience, NpgsqlDbType.Text);
                copy.Write(r.Reason, NpgsqlDbType.Text);
                copy.Write(r.EffectiveFrom, NpgsqlDbType.Bigint);
                copy.Write(r.ReleasedAt, NpgsqlDbType.Bigint);
                copy.Write(r.ReleasedBy, NpgsqlDbType.Text);
                WriteNullable(copy, r.RevokedAt);
                WriteNullable(copy, r.RevokedBy);
                WriteNullable(copy, r.RevocationReason);
                WriteNullable(copy, FeedRows.AnnouncedAt(r, now));
            }
            copy.Complete();
        }

        var viewIds = Columns.CreateViews(connection, transaction);
        var feed = new FeedRows(now);
        using (var copy = connection.BeginBinaryImport($"COPY feed_events ({Columns.FeedEvents}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in catalogue().SelectMany(feed.For))
            {
                copy.StartRow();
                copy.Write(viewIds[e.View], NpgsqlDbType.Bigint);
                copy.Write(e.Seq, NpgsqlDbType.Bigint);
                copy.Write(e.EventId, NpgsqlDbType.Text);
                copy.Write(EnumText.Of(FeedEventType.Visible), NpgsqlDbType.Text);
                copy.Write(e.VersionId, NpgsqlDbType.Bigint);
                copy.Write(now, NpgsqlDbType.Bigint);
                copy.Write(EnumText.Of(FeedSubject.Version), NpgsqlDbType.Text);
                copy.Write(e.VersionId, NpgsqlDbType.Bigint);
                copy.Write(e.Seq, NpgsqlDbType.Bigint);
                copy.Write(e.Seq, NpgsqlDbType.Bigint);
            }
            copy.Complete();
        }
        Columns.SetLastSequences(connection, transaction, viewIds, feed);

        using (var identities = connection.CreateCommand())
        {
            // COPY writes the given ids (identity columns take them as OVERRIDING SYSTEM VALUE); new rows continue after them.
            identities.Transaction = transaction;
            identities.CommandText = """
                SELECT setval(pg_get_serial_sequence('standards', 'id'), COALESCE((SELECT MAX(id) FROM standards), 0) + 1, false);
                SELECT setval(pg_get_serial_sequence('versions', 'id'), COALESCE((SELECT MAX(id) FROM versions), 0) + 1, false);
                SELECT setval(pg_get_serial_sequence('releases', 'id'), COALESCE((SELECT MAX(id) FROM releases), 0) + 1, false);
                """;
            identities.ExecuteNonQuery();
        }
        transaction.Commit();

        using var analyze = connection.CreateCommand();
        // What autovacuum does shortly after a bulk load: statistics for the planner, and the visibility map that
        // lets index-only scans skip the heap.
        analyze.CommandText = "VACUUM (ANALYZE) standards, versions, releases, feed_events, attribute_values, frequency_bands, band_levels";
        analyze.CommandTimeout = 600;
        analyze.ExecuteNonQuery();
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, long? value)
    {
        if (value is { } v)
        {
            copy.Write(v, NpgsqlDbType.Bigint);
        }
        else
        {
            copy.WriteNull();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is not null)
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
        else
        {
            copy.WriteNull();
        }
    }
}
