using System.Globalization;
using System.Numerics;
using Dapper;
using System.Security.Cryptography;
using System.Text;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>Who acts, as the audit trail records it: the principal and where the request came from.</summary>
public sealed record AuditActor(string Subject, string Community, IReadOnlyList<string> Roles, string? ClientAddress = null, string? RequestId = null)
{
    /// <summary>The registry itself (loading the sample catalogue, background work): no roles, no client.</summary>
    public static AuditActor System(string name) => new(name, Communities.Nato, []);

    /// <summary>An entry of this actor; texts are clipped to their columns before they are hashed, so the hash covers what is stored.</summary>
    public AuditEntry Entry(string action, int status, DateTimeOffset at, string? key = null, int? edition = null, Classification? classification = null, string? detail = null) =>
        new(at.ToUnixTimeMilliseconds(), Clip(action, 64)!, status, Clip(Subject, 200)!, Clip(Community, 32)!,
            Clip(string.Join(',', Roles.Order(StringComparer.Ordinal)), 200)!, Clip(key, 200), edition, classification,
            Clip(detail, 1000), Clip(ClientAddress, 64), Clip(RequestId, 128));

    private static string? Clip(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}

/// <summary>
/// One audit entry before it is chained: when (Unix ms), what was done (<see cref="Action"/>, e.g. <c>version.read</c>),
/// its outcome (the HTTP status answered), who, on what (key, edition, the classification of what was served or
/// written — never of something the caller could not see), free detail (e.g. the audience of a release), and where
/// from. Build it with <see cref="AuditActor.Entry"/>.
/// </summary>
public sealed record AuditEntry(
    long At,
    string Action,
    int Status,
    string Subject,
    string Community,
    string Roles,
    string? Key,
    int? Edition,
    Classification? Classification,
    string? Detail,
    string? ClientAddress,
    string? RequestId);

/// <summary>A stored, chained entry.</summary>
public sealed class AuditRow
{
    public long Sequence { get; init; }
    public long At { get; init; }
    public string Action { get; init; } = "";
    public int Status { get; init; }
    public string Subject { get; init; } = "";
    public string Community { get; init; } = "";
    public string Roles { get; init; } = "";
    public string? StandardKey { get; init; }
    public long? Edition { get; init; }
    public long? Classification { get; init; }
    public string? Detail { get; init; }
    public string? ClientAddress { get; init; }
    public string? RequestId { get; init; }
    public string PreviousHash { get; init; } = "";
    public string Hash { get; init; } = "";
}

/// <summary>The result of walking the chain: valid, how many entries were checked, and the first broken one.</summary>
public sealed record AuditVerification(bool Valid, long Checked, long HeadSequence, long? FirstBrokenSequence, string? Problem);

/// <summary>
/// The append-only, hash-chained audit log. There is no update or delete here, by design. Appends run in a write
/// transaction (the caller's, for editorial writes, so the change and its record commit together): they lock the
/// one-row chain head first, so appends from any number of instances are chained in one order.
/// </summary>
public sealed class AuditLog(Db db) : IDisposable
{
    private readonly KeptWriter? _kept = db.Dialect.Name is SqlDialect.Sqlite or SqlDialect.Postgres ? new KeptWriter(db) : null;

    /// <summary>The hash the first entry chains from.</summary>
    public static readonly string Genesis = new('0', 64);

    public const int VerifyPageSize = 1000;

    /// <summary>Appends <paramref name="entries"/> in order, in the write transaction of <paramref name="session"/>.</summary>
    public static async Task AppendAsync(DbSession session, IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        // Lock first: a no-op update takes the head's row lock (the database's write lock on SQLite) until commit.
        await session.ExecuteAsync(Sql.LockHead);
        var head = await session.QuerySingleAsync<Head>(Sql.SelectHead);
        var rows = Chain(head.Sequence, head.Hash, entries);
        if (session.Dialect.RowsPerInsert == 1)
        {
            // Dapper runs one command per row, prepared once.
            await session.ExecuteAsync(Sql.InsertRow, rows);
        }
        else
        {
            // Chunks of a power of two rows, so the statement texts are few (6 at most): a server that keeps prepared
            // statements per text (Npgsql's automatic preparation) keeps these and the reads' prepared as well.
            for (var offset = 0; offset < rows.Count;)
            {
                var size = Math.Min(session.Dialect.RowsPerInsert, 1 << BitOperations.Log2((uint)(rows.Count - offset)));
                var parameters = new DynamicParameters();
                for (var i = 0; i < size; i++)
                {
                    rows[offset + i].AddTo(parameters, i);
                }
                await session.ExecuteAsync(Sql.Insert(size), parameters);
                offset += size;
            }
        }
        await session.ExecuteAsync(Sql.UpdateHead, new { sequence = rows[^1].Sequence, hash = rows[^1].Hash });
    }

    /// <summary>The rows of <paramref name="entries"/> chained on from the head (<paramref name="sequence"/>, <paramref name="previous"/>): each numbered next and hashed over the one before.</summary>
    private static List<Row> Chain(long sequence, string previous, IReadOnlyList<AuditEntry> entries)
    {
        var rows = new List<Row>(entries.Count);
        foreach (var entry in entries)
        {
            sequence++;
            var hash = HashOf(sequence, entry, previous);
            rows.Add(new Row(sequence, entry, previous, hash));
            previous = hash;
        }
        return rows;
    }

    /// <summary>Appends a batch in a transaction of its own (the batched path of reads and refused requests).</summary>
    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            await AppendAsync(c, entries);
            return Result.Done(true);
        }, ct).AsTask();

    /// <summary>
    /// Appends a batch in a transaction of its own, synchronously, for the audit trail's one writer thread, without the
    /// database pipeline's retries (the writer retries, with backoff, and knows when to give up). On SQLite and
    /// PostgreSQL it runs on one kept connection: its statements stay prepared (Microsoft.Data.Sqlite compiles a
    /// command's text on every new command; opening a pooled connection sets its pragmas again), and on PostgreSQL a
    /// batch's rows go in one round trip (a <see cref="System.Data.Common.DbBatch"/>). Synchronous, so a commit never
    /// waits in the thread pool's queue behind the requests waiting for it. Not for concurrent use.
    /// </summary>
    public void AppendBatch(IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        if (_kept is null)
        {
            AppendAsync(entries).GetAwaiter().GetResult();
            return;
        }
        _kept.Append(entries);
    }

    public void Dispose() => _kept?.Dispose();

    /// <summary>
    /// One open connection and the append's statements; closed (and reopened on next use) after any failure. A batch is
    /// three steps: lock the head and read it (one statement), insert the rows and move the head (one round trip on
    /// PostgreSQL), commit.
    /// <para>
    /// On SQLite the kept connection never checkpoints the write-ahead log itself: SQLite runs an automatic checkpoint
    /// inside the commit that crosses its threshold, copying up to a thousand pages and syncing the database file
    /// while every read that waits for that commit waits with it. A thread of its own checkpoints instead (passive:
    /// it never blocks the writer or the readers), each <see cref="CheckpointInterval"/>.
    /// </para>
    /// </summary>
    private sealed class KeptWriter(Db db) : IDisposable
    {
        // As the pipeline's own bound: a database that does not answer fails the batch, and the writer retries.
        private const int TimeoutSeconds = 10;

        private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

        private readonly bool _sqlite = db.Dialect.Name == SqlDialect.Sqlite;
        private readonly CancellationTokenSource _stop = new();
        private Thread? _checkpointer;
        private System.Data.Common.DbConnection? _connection;
        private System.Data.Common.DbCommand _head = null!, _insert = null!, _update = null!;

        public void Append(IReadOnlyList<AuditEntry> entries)
        {
            try
            {
                var connection = Open();
                using var transaction = connection.BeginTransaction();
                foreach (var command in (ReadOnlySpan<System.Data.Common.DbCommand>)[_head, _insert, _update])
                {
                    command.Transaction = transaction;
                }
                List<Row> chained;
                using (var reader = _head.ExecuteReader())
                {
                    reader.Read();
                    chained = Chain(reader.GetInt64(0), reader.GetString(1), entries);
                }
                var rows = chained.Select(r => r.Values()).ToList();
                var (sequence, previous) = (chained[^1].Sequence, chained[^1].Hash);
                if (connection.CanCreateBatch)
                {
                    using var batch = connection.CreateBatch();
                    batch.Transaction = transaction;
                    batch.Timeout = TimeoutSeconds;
                    foreach (var row in rows)
                    {
                        batch.BatchCommands.Add(BatchCommand(batch, Sql.InsertRow, Sql.RowParameters, row));
                    }
                    batch.BatchCommands.Add(BatchCommand(batch, Sql.UpdateHead, ["sequence", "hash"], [sequence, previous]));
                    batch.ExecuteNonQuery();
                }
                else
                {
                    foreach (var row in rows)
                    {
                        Bind(_insert, row);
                        _insert.ExecuteNonQuery();
                    }
                    Bind(_update, [sequence, previous]);
                    _update.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            catch
            {
                Close();
                throw;
            }
        }

        private System.Data.Common.DbConnection Open()
        {
            if (_connection is not null)
            {
                return _connection;
            }
            var connection = db.Dialect.CreateConnection(db.ConnectionString);
            connection.Open();
            if (_sqlite)
            {
                using var pragma = Command(connection, "PRAGMA wal_autocheckpoint = 0");
                pragma.ExecuteNonQuery();
                StartCheckpointer();
            }
            _head = Command(connection, Sql.LockAndSelectHead);
            _insert = Command(connection, Sql.InsertRow, Sql.RowParameters);
            _update = Command(connection, Sql.UpdateHead, "sequence", "hash");
            _connection = connection;
            return connection;
        }

        private void StartCheckpointer()
        {
            if (_checkpointer is not null)
            {
                return;
            }
            _checkpointer = new Thread(Checkpoint) { IsBackground = true, Name = "audit-checkpointer" };
            _checkpointer.Start();
        }

        /// <summary>Passive checkpoints on a connection of its own until disposed; a failure is tried again next time.</summary>
        private void Checkpoint()
        {
            System.Data.Common.DbConnection? connection = null;
            try
            {
                while (!_stop.Token.WaitHandle.WaitOne(CheckpointInterval))
                {
                    try
                    {
                        if (connection is null)
                        {
                            connection = db.Dialect.CreateConnection(db.ConnectionString);
                            connection.Open();
                        }
                        using var checkpoint = Command(connection, "PRAGMA wal_checkpoint(PASSIVE)");
                        checkpoint.ExecuteNonQuery();
                    }
                    catch (System.Data.Common.DbException)
                    {
                        connection?.Dispose();
                        connection = null;
                    }
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }

        private static System.Data.Common.DbCommand Command(System.Data.Common.DbConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = TimeoutSeconds;
            foreach (var name in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            return command;
        }

        private static System.Data.Common.DbBatchCommand BatchCommand(System.Data.Common.DbBatch batch, string sql, string[] names, object?[] values)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            for (var i = 0; i < names.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = names[i];
                parameter.Value = values[i] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            return command;
        }

        private static void Bind(System.Data.Common.DbCommand command, object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
        }

        private void Close()
        {
            if (_connection is null)
            {
                return;
            }
            foreach (var command in (ReadOnlySpan<System.Data.Common.DbCommand>)[_head, _insert, _update])
            {
                command?.Dispose();
            }
            _connection.Dispose();
            _connection = null;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _checkpointer?.Join();
            Close();
        }
    }

    public sealed record Filter(string? Subject, string? Key, long? From, long? To, long? AfterSequence, int Limit);

    /// <summary>Entries matching <paramref name="filter"/> (times inclusive, Unix ms), oldest first, after the cursor.</summary>
    public Task<IReadOnlyList<AuditRow>> QueryAsync(Filter filter, CancellationToken ct = default)
    {
        var sql = Sql.Query(db.Dialect, filter.Subject is not null, filter.Key is not null, filter.From is not null, filter.To is not null, filter.AfterSequence is not null);
        var parameters = new { subject = filter.Subject, key = filter.Key, from = filter.From, to = filter.To, after = filter.AfterSequence, limit = filter.Limit };
        return db.ReadAsync<IReadOnlyList<AuditRow>>(async c => await c.QueryAsync<AuditRow>(sql, parameters), ct).AsTask();
    }

    /// <summary>
    /// Walks the chain up to the head, a page at a time: every entry's hash must match its content and its
    /// predecessor's hash, sequences must run 1, 2, 3 … without gaps, and the last entry must be the head (so deleting
    /// the newest entries is caught). Entries appended while the walk runs lie beyond the head it read and are not checked.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        var head = await db.ReadAsync(c => c.QuerySingleAsync<Head>(Sql.SelectHead), ct);
        var expectedSequence = 1L;
        var previous = Genesis;
        long checkedCount = 0;
        while (expectedSequence <= head.Sequence)
        {
            var after = expectedSequence - 1;
            var page = await db.ReadAsync(c => c.QueryAsync<AuditRow>(Sql.Page(db.Dialect), new { after, head = head.Sequence, limit = VerifyPageSize }), ct);
            if (page.Count == 0)
            {
                return new(false, checkedCount, head.Sequence, expectedSequence,
                    $"Entries {expectedSequence} to {head.Sequence} are missing: the chain head says the log ends at {head.Sequence}.");
            }
            foreach (var row in page)
            {
                if (row.Sequence != expectedSequence)
                {
                    return new(false, checkedCount, head.Sequence, expectedSequence, $"Entry {expectedSequence} is missing (the next entry is {row.Sequence}).");
                }
                if (!string.Equals(row.PreviousHash, previous, StringComparison.Ordinal))
                {
                    return new(false, checkedCount, head.Sequence, row.Sequence, $"Entry {row.Sequence} does not chain from the entry before it.");
                }
                if (!string.Equals(HashOf(row.Sequence, ToEntry(row), previous), row.Hash, StringComparison.Ordinal))
                {
                    return new(false, checkedCount, head.Sequence, row.Sequence, $"Entry {row.Sequence} does not match its hash: its content was changed.");
                }
                checkedCount++;
                previous = row.Hash;
                expectedSequence++;
            }
        }
        if (!string.Equals(previous, head.Hash, StringComparison.Ordinal))
        {
            return new(false, checkedCount, head.Sequence, head.Sequence, $"The last entry ({head.Sequence}) is not the one the chain head recorded.");
        }
        return new(true, checkedCount, head.Sequence, null, null);
    }

    private static AuditEntry ToEntry(AuditRow row) => new(
        row.At, row.Action, row.Status, row.Subject, row.Community, row.Roles, row.StandardKey, checked((int?)row.Edition),
        (Classification?)row.Classification, row.Detail, row.ClientAddress, row.RequestId);

    /// <summary>
    /// SHA-256 (lowercase hex) over the previous entry's hash and the entry's canonical content. Canonical content is
    /// every field in this fixed order — sequence, at, action, status, subject, community, roles, key, edition,
    /// classification, detail, client address, request id — each written as <c>&lt;n&gt;:&lt;text&gt;;</c> where text is
    /// the value's invariant text (numbers in decimal) in UTF-8 and n its length in bytes, or <c>-;</c> for null.
    /// The hashed bytes are the previous hash (64 hex characters), <c>\n</c>, then the content.
    /// </summary>
    public static string HashOf(long sequence, AuditEntry entry, string previousHash)
    {
        var content = new StringBuilder(256);
        content.Append(previousHash).Append('\n');
        Field(content, sequence.ToString(CultureInfo.InvariantCulture));
        Field(content, entry.At.ToString(CultureInfo.InvariantCulture));
        Field(content, entry.Action);
        Field(content, entry.Status.ToString(CultureInfo.InvariantCulture));
        Field(content, entry.Subject);
        Field(content, entry.Community);
        Field(content, entry.Roles);
        Field(content, entry.Key);
        Field(content, entry.Edition?.ToString(CultureInfo.InvariantCulture));
        Field(content, entry.Classification is { } c ? ((int)c).ToString(CultureInfo.InvariantCulture) : null);
        Field(content, entry.Detail);
        Field(content, entry.ClientAddress);
        Field(content, entry.RequestId);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToString())));
    }

    private static void Field(StringBuilder content, string? value)
    {
        if (value is null)
        {
            content.Append("-;");
            return;
        }
        content.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append(';');
    }

    /// <summary>An entry as inserted: chained, with its parameters' names.</summary>
    private sealed record Row(long Sequence, long At, string Action, int Status, string Subject, string Community, string Roles,
        string? Key, int? Edition, int? Classification, string? Detail, string? Client, string? Request, string Previous, string Hash)
    {
        public Row(long sequence, AuditEntry entry, string previous, string hash)
            : this(sequence, entry.At, entry.Action, entry.Status, entry.Subject, entry.Community, entry.Roles, entry.Key, entry.Edition,
                (int?)entry.Classification, entry.Detail, entry.ClientAddress, entry.RequestId, previous, hash)
        {
        }

        /// <summary>The values of <see cref="Sql.RowParameters"/>, in their order.</summary>
        public object?[] Values() =>
            [Sequence, At, Action, Status, Subject, Community, Roles, Key, Edition, Classification, Detail, Client, Request, Previous, Hash];

        /// <summary>Adds this row's parameters, numbered <paramref name="i"/>, for a many-row <see cref="Sql.Insert"/>.</summary>
        public void AddTo(DynamicParameters parameters, int i)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            parameters.Add("Sequence" + n, Sequence);
            parameters.Add("At" + n, At);
            parameters.Add("Action" + n, Action);
            parameters.Add("Status" + n, Status);
            parameters.Add("Subject" + n, Subject);
            parameters.Add("Community" + n, Community);
            parameters.Add("Roles" + n, Roles);
            parameters.Add("Key" + n, Key, System.Data.DbType.String);
            parameters.Add("Edition" + n, Edition, System.Data.DbType.Int32);
            parameters.Add("Classification" + n, Classification, System.Data.DbType.Int32);
            parameters.Add("Detail" + n, Detail, System.Data.DbType.String);
            parameters.Add("Client" + n, Client, System.Data.DbType.String);
            parameters.Add("Request" + n, Request, System.Data.DbType.String);
            parameters.Add("Previous" + n, Previous);
            parameters.Add("Hash" + n, Hash);
        }
    }

    private sealed class Head
    {
        public long Sequence { get; init; }
        public string Hash { get; init; } = "";
    }

    internal static class Sql
    {
        public const string LockHead = "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1";

        public const string SelectHead = "SELECT sequence AS Sequence, hash AS Hash FROM audit_chain_head WHERE id = 1";

        /// <summary><see cref="LockHead"/> and <see cref="SelectHead"/> in one statement (SQLite and PostgreSQL).</summary>
        public const string LockAndSelectHead = "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1 RETURNING sequence, hash";

        public const string UpdateHead = "UPDATE audit_chain_head SET sequence = @sequence, hash = @hash WHERE id = 1";

        private const string Insert0 =
            "INSERT INTO audit_log (sequence, at, action, status, subject, community, roles, standard_key, edition, classification, detail, client_address, request_id, previous_hash, hash) VALUES ";

        internal static readonly string[] RowParameters =
            ["Sequence", "At", "Action", "Status", "Subject", "Community", "Roles", "Key", "Edition", "Classification", "Detail", "Client", "Request", "Previous", "Hash"];

        /// <summary>An INSERT of one entry, binding the properties of a <see cref="Row"/>.</summary>
        public static readonly string InsertRow = Insert0 + "(" + string.Join(", ", RowParameters.Select(p => "@" + p)) + ")";

        /// <summary>An INSERT of <paramref name="rows"/> entries; row i binds @Sequence{i}, @At{i}, … @Hash{i} (<see cref="Row.AddTo"/>).</summary>
        public static string Insert(int rows) =>
            Insert0 + string.Join(", ", Enumerable.Range(0, rows).Select(i => "(" + string.Join(", ", RowParameters.Select(p => $"@{p}{i}")) + ")"));

        private const string Columns = """
            a.sequence AS Sequence, a.at AS At, a.action AS Action, a.status AS Status, a.subject AS Subject, a.community AS Community,
            a.roles AS Roles, a.standard_key AS StandardKey, a.edition AS Edition, a.classification AS Classification, a.detail AS Detail,
            a.client_address AS ClientAddress, a.request_id AS RequestId, a.previous_hash AS PreviousHash, a.hash AS Hash
            """;

        public static string Page(SqlDialect dialect) =>
            $"SELECT {Columns} FROM audit_log a WHERE a.sequence > @after AND a.sequence <= @head ORDER BY a.sequence {dialect.Limit("@limit")}";

        public static string Query(SqlDialect dialect, bool subject, bool key, bool from, bool to, bool after)
        {
            var where = new List<string>();
            if (subject)
            {
                where.Add("a.subject = @subject");
            }
            if (key)
            {
                where.Add("a.standard_key = @key");
            }
            if (from)
            {
                where.Add("a.at >= @from");
            }
            if (to)
            {
                where.Add("a.at <= @to");
            }
            if (after)
            {
                where.Add("a.sequence > @after");
            }
            var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
            return $"SELECT {Columns} FROM audit_log a{filter} ORDER BY a.sequence {dialect.Limit("@limit")}";
        }

        public static IEnumerable<string> All(SqlDialect dialect)
        {
            yield return LockHead;
            yield return SelectHead;
            if (dialect.Name != SqlDialect.SqlServer)
            {
                yield return LockAndSelectHead;
            }
            yield return UpdateHead;
            yield return Insert(1);
            yield return Insert(2);
            yield return InsertRow;
            yield return Insert(32);
            yield return Page(dialect);
            foreach (var mask in Enumerable.Range(0, 32))
            {
                yield return Query(dialect, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0, (mask & 16) != 0);
            }
        }
    }
}
