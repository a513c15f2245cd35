using System.Globalization;
using Dapper;
using System.Security.Cryptography;
using System.Text;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// Who acts, as the audit trail records it: the principal, the token issuer that vouched for it (none for anonymous
/// callers and the registry itself: a subject is unique only within its issuer), and where the request came from.
/// </summary>
public sealed record AuditActor(string Subject, string Community, IReadOnlyList<string> Roles, string? ClientAddress = null, string? RequestId = null, string? Issuer = null)
{
    /// <summary>The registry itself (loading the sample catalogue, background work): no roles, no client.</summary>
    public static AuditActor System(string name) => new(name, Communities.Nato, []);

    /// <summary>An entry of this actor; texts are clipped to their columns before they are hashed, so the hash covers what is stored.</summary>
    public AuditEntry Entry(string action, int status, DateTimeOffset at, string? key = null, int? edition = null, Classification? classification = null, string? detail = null) =>
        new(at.ToUnixTimeMilliseconds(), Clip(action, 64)!, status, Clip(Subject, 200)!, Clip(Community, 32)!,
            Clip(string.Join(',', Roles.Order(StringComparer.Ordinal)), 200)!, Clip(key, 200), edition, classification,
            Clip(detail, 1000), Clip(ClientAddress, 64), Clip(RequestId, 128), Clip(Issuer, 200));

    /// <summary>
    /// At most <paramref name="length"/> UTF-16 units, never ending inside a surrogate pair: half a character is a text
    /// no database encodes as UTF-8 (PostgreSQL refuses it), and an entry that cannot be written is held and tried again
    /// forever, the trail unwritable meanwhile.
    /// </summary>
    private static string? Clip(string? text, int length) => text is null || text.Length <= length
        ? text
        : text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];
}

/// <summary>
/// One audit entry before it is chained: when (Unix ms), what was done (<see cref="Action"/>, e.g. <c>version.read</c>),
/// its outcome (the HTTP status answered), who, on what (key, edition, the classification of what was served or
/// written — never of something the caller could not see), free detail (e.g. the audience of a release), where from,
/// and the issuer of the token that named the subject. Build it with <see cref="AuditActor.Entry"/>.
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
    string? RequestId,
    string? Issuer = null);

/// <summary>A stored, chained entry.</summary>
public sealed class AuditRow
{
    public long Sequence { get; init; }
    public long At { get; init; }
    public string Action { get; init; } = "";

    /// <summary>As wide as SQLite's column (like <see cref="Edition"/> and <see cref="Classification"/>): a narrower property failed the read of a value only tampering writes.</summary>
    public long Status { get; init; }
    public string Subject { get; init; } = "";
    public string Community { get; init; } = "";
    public string Roles { get; init; } = "";
    public string? StandardKey { get; init; }
    public long? Edition { get; init; }
    public long? Classification { get; init; }
    public string? Detail { get; init; }
    public string? ClientAddress { get; init; }
    public string? RequestId { get; init; }
    public string? Issuer { get; init; }
    public string PreviousHash { get; init; } = "";
    public string Hash { get; init; } = "";

    /// <summary>
    /// Whether a text column holds something else (bytes, or NULL where the registry never writes NULL: SQLite only,
    /// only by tampering); that column is read as text saying what it holds (<see cref="SqlDialect.StoredText"/>), and
    /// the entry matches no hash, though the marker's text might.
    /// </summary>
    public bool NotText { get; init; }
}

/// <summary>
/// The result of walking (part of) the chain: valid so far, how many entries were checked, the head, the first broken
/// one; which entries were verified (after <see cref="From"/>, through <see cref="Through"/>, ending at
/// <see cref="Reached"/> when valid); and where to go on when the walk stopped at its limits before the head
/// (<see cref="Next"/>).
/// </summary>
public sealed record AuditVerification(bool Valid, long Checked, long HeadSequence, long? FirstBrokenSequence, string? Problem, long From, long Through, VerifyPosition? Reached = null)
{
    /// <summary>Valid, and the walk reached the head.</summary>
    public bool Complete => Valid && Through == HeadSequence;

    /// <summary>Where the next call goes on: valid so far, but the head is not reached yet.</summary>
    public VerifyPosition? Next => Valid && !Complete ? Reached : null;
}

/// <summary>A verified position: the entry's sequence and hash, and the hash of the last checkpoint at or before it.</summary>
public sealed record VerifyPosition(long Sequence, string Hash, string CheckpointHash);

/// <summary>How much one verification call may do: entries at most, and time (checked between pages of 1 000).</summary>
public sealed record VerifyLimits(long MaxEntries, TimeSpan Time)
{
    public static VerifyLimits Default { get; } = new(long.MaxValue, TimeSpan.FromSeconds(5));
}

/// <summary>A verified prefix of the chain: entries 1 to <see cref="Sequence"/> were verified; chained like the entries.</summary>
public sealed class AuditCheckpoint
{
    public long Sequence { get; init; }
    public string EntryHash { get; init; } = "";
    public long At { get; init; }
    public string PreviousHash { get; init; } = "";
    public string Hash { get; init; } = "";
}

/// <summary>
/// The append-only, hash-chained audit log. There is no update or delete here, by design. Appends run in a write
/// transaction (the caller's, for editorial writes, so the change and its record commit together): they lock the
/// one-row chain head first, so appends from any number of instances are chained in one order.
/// </summary>
public sealed class AuditLog(Db db, TimeProvider? clock = null) : IDisposable
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

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
        // Lock first: a no-op update takes the head's row lock (the database's write lock on SQLite) until commit, and
        // returns the head as it is under that lock.
        var head = await session.QuerySingleAsync<Head>(Sql.LockAndSelectHead(session.Dialect));
        var rows = Chain(head.Sequence, head.Hash, entries);
        await session.InsertRowsAsync(rows, Sql.Insert, static (row, parameters, i) => row.AddTo(parameters, i),
            then: (Sql.UpdateHead, new { sequence = rows[^1].Sequence, hash = rows[^1].Hash }));
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

    /// <summary>
    /// Whether <paramref name="entry"/>, handed to <see cref="AppendBatch"/> in a batch that failed, may be in the log all
    /// the same (its commit was cut off, or it was found there): an entry that stands for a later one (the record of an
    /// outage, whose text says until when) must then be handed again as it was, or it is written a second time.
    /// </summary>
    public bool MayHaveWritten(AuditEntry entry) => _kept?.MayHaveWritten(entry) == true;

    public void Dispose() => _kept?.Dispose();

    /// <summary>
    /// One open connection and the append's statements; closed (and reopened on next use) after any failure. A batch is
    /// three steps: lock the head and read it (one statement), insert the rows and move the head (one round trip on
    /// PostgreSQL), commit.
    /// <para>
    /// On SQLite the kept connection never checkpoints the write-ahead log itself: SQLite runs an automatic checkpoint
    /// inside the commit that crosses its threshold, copying up to a thousand pages and syncing the database file
    /// while every read that waits for that commit waits with it. A thread of its own checkpoints instead, each
    /// <see cref="CheckpointInterval"/>: passively (it blocks neither the writer nor the readers), and, once the log
    /// holds <see cref="RestartPages"/>, so that the log starts again (<see cref="Restart"/>: the writers wait a few
    /// milliseconds).
    /// </para>
    /// </summary>
    private sealed class KeptWriter(Db db) : IDisposable
    {
        // As the pipeline's own bound: a database that does not answer fails the batch, and the writer retries.
        private const int TimeoutSeconds = 10;

        private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>How long a restarting checkpoint waits for the reads that still use the log (SQLite's busy timeout).</summary>
        private const int RestartWaitMilliseconds = 5;

        /// <summary>The log is started again once it holds this many pages (SQLite's own checkpoint threshold, 4 MiB).</summary>
        private const int RestartPages = 1000;

        private readonly bool _sqlite = db.Dialect.Name == SqlDialect.Sqlite;
        private readonly CancellationTokenSource _stop = new();
        private Thread? _checkpointer;
        private System.Data.Common.DbConnection? _connection;
        private System.Data.Common.DbCommand _head = null!, _insert = null!, _update = null!, _append = null!;

        /// <summary>The head as this writer last wrote it (PostgreSQL): the next batch chains on from it in one statement.</summary>
        private (long Sequence, string Hash)? _known;

        /// <summary>
        /// A batch whose commit failed on its way (its last row's sequence and hash, its entries): the database may have
        /// committed it and the answer been lost, so the writer's retry of those entries must first look whether that row
        /// is there, or write them twice.
        /// </summary>
        private (long Sequence, string Hash, IReadOnlyList<AuditEntry> Entries)? _unsure;

        /// <summary>
        /// Entries of such batches found committed after all, left out of every retry until a batch is written: the
        /// writer hands them again with each attempt until one succeeds, and a later attempt may fail too.
        /// </summary>
        private readonly HashSet<AuditEntry> _written = new(ReferenceEqualityComparer.Instance);

        /// <summary>Whether <paramref name="entry"/> may already be in the log: in a batch whose commit was cut off, or found there.</summary>
        public bool MayHaveWritten(AuditEntry entry) =>
            _written.Contains(entry) || _unsure is { } unsure && unsure.Entries.Any(e => ReferenceEquals(e, entry));

        /// <summary>
        /// PostgreSQL: appends the batch in one round trip — a single statement, so a transaction of its own — chained on
        /// from the head this writer last wrote. The statement moves the head only if it is still that one, and inserts
        /// the rows only if it moved it; so when another writer (an editorial write, another instance) has appended
        /// since, nothing is written and false sends the batch the locked way (lock and read the head, insert, move it,
        /// commit: three round trips). Each round trip saved is one less wait for every read that waits for the batch.
        /// </summary>
        private bool AppendAfterKnownHead(IReadOnlyList<AuditEntry> entries)
        {
            if (_known is not { } head)
            {
                return false;
            }
            var chained = Chain(head.Sequence, head.Hash, entries);
            var columns = Row.Columns(chained);
            for (var i = 0; i < columns.Length; i++)
            {
                _append.Parameters[i].Value = columns[i];
            }
            _append.Parameters["@keptSequence"].Value = head.Sequence;
            _append.Parameters["@keptHash"].Value = head.Hash;
            _append.Parameters["@headSequence"].Value = chained[^1].Sequence;
            _append.Parameters["@headHash"].Value = chained[^1].Hash;
            _known = null;
            _unsure = Unsure(chained, entries);
            var written = _append.ExecuteNonQuery();
            _unsure = null;
            if (written != chained.Count)
            {
                return false;
            }
            _known = (chained[^1].Sequence, chained[^1].Hash);
            return true;
        }

        /// <summary>The batch about to commit, as it is (nothing copied: this is every batch's path, and only a cut-off commit reads it).</summary>
        private static (long, string, IReadOnlyList<AuditEntry>) Unsure(List<Row> chained, IReadOnlyList<AuditEntry> entries) =>
            (chained[^1].Sequence, chained[^1].Hash, entries);

        /// <summary>
        /// <paramref name="entries"/> less those of the batch whose commit was cut off, if it was committed after all (its
        /// last row is in the log as it was chained: the hash covers the entry and all before it).
        /// </summary>
        private IReadOnlyList<AuditEntry> NotYetWritten(System.Data.Common.DbConnection connection, IReadOnlyList<AuditEntry> entries)
        {
            if (_unsure is { } unsure)
            {
                using var command = Command(connection, Sql.EntryHash(db.Dialect), "sequence");
                Bind(command, [unsure.Sequence]);
                if (command.ExecuteScalar() is string hash && hash == unsure.Hash)
                {
                    _written.UnionWith(unsure.Entries);
                }
                _unsure = null;
            }
            return _written.Count == 0 ? entries : [.. entries.Where(e => !_written.Contains(e))];
        }

        public void Append(IReadOnlyList<AuditEntry> entries)
        {
            // In line with the process's other writers (SQLite): an editor's write waits for this batch, not for a busy
            // retry. Waited for as an asynchronous waiter, which SemaphoreSlim serves after the synchronous ones: a
            // waiting editor goes before the next batch.
            db.WriteGate?.WaitAsync().GetAwaiter().GetResult();
            try
            {
                var connection = Open();
                entries = NotYetWritten(connection, entries);
                // Written, each way: the writer's batch is done, and its entries are never handed again.
                if (entries.Count == 0 || !_sqlite && AppendAfterKnownHead(entries))
                {
                    _written.Clear();
                    return;
                }
                using var transaction = connection.BeginTransaction(db.Dialect.WriteIsolation);
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
                _unsure = Unsure(chained, entries);
                transaction.Commit();
                _unsure = null;
                _known = (sequence, previous);
                _written.Clear();
            }
            catch
            {
                Close();
                throw;
            }
            finally
            {
                db.WriteGate?.Release();
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
                // The log's file is kept (overwritten from its start after a restart, no new pages to allocate) but
                // cut back to this size when a long read let it grow.
                using var pragma = Command(connection, "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864");
                pragma.ExecuteNonQuery();
                StartCheckpointer();
            }
            _head = Command(connection, Sql.LockAndSelectHead(db.Dialect));
            _insert = Command(connection, Sql.InsertRow, Sql.RowParameters);
            _update = Command(connection, Sql.UpdateHead, "sequence", "hash");
            if (!_sqlite)
            {
                _append = Command(connection, Sql.AppendAfter, [.. Sql.RowParameters, .. Sql.AppendAfterHeadParameters]);
            }
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
                            using var wait = Command(connection, $"PRAGMA busy_timeout = {RestartWaitMilliseconds}");
                            wait.ExecuteNonQuery();
                        }
                        long pages;
                        using (var passive = Command(connection, "PRAGMA wal_checkpoint(PASSIVE)"))
                        using (var result = passive.ExecuteReader())
                        {
                            result.Read();
                            pages = result.GetInt64(1);
                        }
                        if (pages >= RestartPages)
                        {
                            Restart(connection);
                        }
                    }
                    catch (System.Data.Common.DbException)
                    {
                        connection?.Dispose();
                        connection = null;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Disposed while waiting for the write gate.
            }
            finally
            {
                connection?.Dispose();
            }
        }

        /// <summary>
        /// Lets the next commit start the log from its beginning. A passive checkpoint copies the log into the database
        /// but never resets it while some read began before the copy ended — and under steady reads one always has, so
        /// the log grew without end (a gigabyte in half a minute of audited reads), each commit appending to fresh
        /// pages of the file. A restarting checkpoint waits (briefly) until every read is on the database file alone;
        /// it goes through the process's write gate, so the writers queue behind it instead of sleeping on a busy
        /// file. Done once the log holds <see cref="RestartPages"/>; little is left to copy by then (the passive one
        /// just ran); when a long read (an export) holds on, it gives up after <see cref="RestartWaitMilliseconds"/>
        /// and is tried again next time.
        /// </summary>
        private void Restart(System.Data.Common.DbConnection connection)
        {
            // Given up when the writer is disposed, so a gate never released cannot hold up the shutdown.
            db.WriteGate?.Wait(_stop.Token);
            try
            {
                using var restart = Command(connection, "PRAGMA wal_checkpoint(RESTART)");
                restart.ExecuteNonQuery();
            }
            finally
            {
                db.WriteGate?.Release();
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
                parameter.ParameterName = SqlDialect.ParameterName(name);
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
                parameter.ParameterName = SqlDialect.ParameterName(names[i]);
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
            foreach (var command in (ReadOnlySpan<System.Data.Common.DbCommand>)[_head, _insert, _update, _append])
            {
                command?.Dispose();
            }
            _connection.Dispose();
            _connection = null;
            _known = null;
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
    /// Verifies what is new since the latest checkpoint, and checkpoints how far it got. The latest checkpoint must
    /// chain from the one before it, and the entry it names must still have the hash it recorded and match its content;
    /// from there the chain is walked (<see cref="WalkAsync"/>) towards the head as far as <paramref name="limits"/>
    /// allow. A valid walk that got past the checkpoint records a new one, so the next verification starts there, and
    /// repeated calls reach the head of any trail. What it does not re-check is the prefix before the checkpoint: that
    /// is <see cref="VerifyFullAsync"/>'s work.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(VerifyLimits? limits = null, CancellationToken ct = default)
    {
        // The checkpoints before the head: a checkpoint is recorded at an entry already on the chain, so one read first
        // lies at or before the head read after it — unless entries were removed. Read the other way round, a
        // checkpoint another verification recorded in between lay past the head read, and was taken for a removal.
        var (latest, before) = await db.StreamReadAsync(async c =>
        {
            var last = await c.QueryAsync<AuditCheckpoint>(Sql.LatestCheckpoints(db.Dialect));
            return (last.ElementAtOrDefault(0), last.ElementAtOrDefault(1));
        }, ct);
        var head = await db.StreamReadAsync(c => c.QuerySingleAsync<Head>(Sql.SelectHead(db.Dialect)), ct);
        var start = new VerifyPosition(0, Genesis, Genesis);
        if (latest is not null)
        {
            if (CheckpointProblem(latest, before?.Hash ?? Genesis) is { } problem)
            {
                return new(false, 0, head.Sequence, latest.Sequence, problem, latest.Sequence, latest.Sequence);
            }
            if (latest.Sequence > head.Sequence)
            {
                return new(false, 0, head.Sequence, head.Sequence + 1, EndsBefore(head.Sequence, $"the checkpoint at entry {latest.Sequence}"), latest.Sequence, head.Sequence);
            }
            var entry = await db.StreamReadAsync(c => c.QuerySingleOrDefaultAsync<AuditRow>(Sql.Entry(db.Dialect), new { sequence = latest.Sequence }), ct);
            if (entry is null || entry.Hash != latest.EntryHash || !HashMatches(entry, entry.PreviousHash))
            {
                return new(false, 0, head.Sequence, latest.Sequence,
                    $"Entry {latest.Sequence} is not the entry the checkpoint at it verified: it was changed or removed.", latest.Sequence, latest.Sequence);
            }
            start = new VerifyPosition(latest.Sequence, latest.EntryHash, latest.Hash);
        }
        var result = await WalkAsync(start, head, limits ?? VerifyLimits.Default, checkpoints: false, ct);
        if (result is { Valid: true, Reached: { } reached } && reached.Sequence > start.Sequence)
        {
            await CheckpointAsync(reached.Sequence, reached.Hash, ct);
        }
        return result;
    }

    /// <summary>
    /// The full re-verification, resumable: walks the chain from <paramref name="from"/> (the start, or the
    /// <see cref="AuditVerification.Next"/> of the previous call) as far as <paramref name="limits"/> allow, checking
    /// the checkpoints on the way too (each chained from the one before, each naming the entry's true hash). Writes
    /// no checkpoint: its start comes from the caller.
    /// </summary>
    public async Task<AuditVerification> VerifyFullAsync(VerifyPosition? from = null, VerifyLimits? limits = null, CancellationToken ct = default)
    {
        var head = await db.StreamReadAsync(c => c.QuerySingleAsync<Head>(Sql.SelectHead(db.Dialect)), ct);
        from ??= new VerifyPosition(0, Genesis, Genesis);
        if (from.Sequence > head.Sequence)
        {
            return new(false, 0, head.Sequence, head.Sequence + 1, EndsBefore(head.Sequence, $"entry {from.Sequence} where this verification resumes"), from.Sequence, head.Sequence);
        }
        var result = await WalkAsync(from, head, limits ?? VerifyLimits.Default, checkpoints: true, ct);
        if (result is { Valid: true, Complete: true })
        {
            // A checkpoint beyond the head means the newest entries and the head were removed together. The head as it
            // is now, read after the checkpoints: another verification may have checkpointed entries appended since the
            // walk read its head, which lie past that head but not past this one.
            var latest = await db.StreamReadAsync(c => c.QueryAsync<AuditCheckpoint>(Sql.LatestCheckpoints(db.Dialect)), ct);
            var now = await db.StreamReadAsync(c => c.QuerySingleAsync<Head>(Sql.SelectHead(db.Dialect)), ct);
            if (latest.Count > 0 && latest[0].Sequence > now.Sequence)
            {
                return result with
                {
                    Valid = false, FirstBrokenSequence = now.Sequence + 1, Reached = null,
                    Problem = EndsBefore(now.Sequence, $"the checkpoint at entry {latest[0].Sequence}"),
                };
            }
        }
        return result;
    }

    /// <summary>
    /// Walks the chain after <paramref name="from"/> up to the head, a page at a time, until the head or the limits:
    /// every entry's hash must match its content and its predecessor's hash, sequences must run on without gaps, and
    /// the last entry must be the head (so deleting the newest entries is caught). With <paramref name="checkpoints"/>,
    /// every checkpoint within the walked entries must chain on and name the entry's hash. Entries appended while the
    /// walk runs lie beyond the head it read and are not checked.
    /// </summary>
    private async Task<AuditVerification> WalkAsync(VerifyPosition from, Head head, VerifyLimits limits, bool checkpoints, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var expectedSequence = from.Sequence + 1;
        var previous = from.Hash;
        var checkpointPrevious = from.CheckpointHash;
        long checkedCount = 0;
        AuditVerification Broken(long sequence, string problem) =>
            new(false, checkedCount, head.Sequence, sequence, problem, from.Sequence, expectedSequence - 1);
        // The sequence of the last checkpoint chained so far: the checkpoints after it are read with each page, those
        // behind the page too — another verification may have recorded one behind this walk (before the entry a full
        // verification resumes from, or on a page already walked), and the next checkpoint chains from that one.
        long checkpointSequence = 0;
        if (checkpoints && !string.Equals(checkpointPrevious, Genesis, StringComparison.Ordinal))
        {
            if (await db.StreamReadAsync(c => c.QuerySingleOrDefaultAsync<long?>(Sql.CheckpointSequence, new { hash = checkpointPrevious }), ct) is not { } known)
            {
                return Broken(from.Sequence, $"The checkpoint this verification resumes after (at or before entry {from.Sequence}) is no longer there: it was changed or removed.");
            }
            checkpointSequence = known;
        }
        while (expectedSequence <= head.Sequence && checkedCount < limits.MaxEntries && clock.Elapsed < limits.Time)
        {
            var after = expectedSequence - 1;
            var limit = (int)Math.Min(VerifyPageSize, limits.MaxEntries - checkedCount);
            var page = await db.StreamReadAsync(c => c.QueryAsync<AuditRow>(Sql.Page(db.Dialect), new { after, head = head.Sequence, limit }), ct);
            if (page.Count == 0)
            {
                return Broken(expectedSequence, $"Entries {expectedSequence} to {head.Sequence} are missing: the chain head says the log ends at {head.Sequence}.");
            }
            var marks = checkpoints
                ? await db.StreamReadAsync(c => c.QueryAsync<AuditCheckpoint>(Sql.CheckpointsBetween(db.Dialect), new { after = checkpointSequence, through = page[^1].Sequence }), ct)
                : [];
            var mark = 0;
            for (; mark < marks.Count && marks[mark].Sequence <= after; mark++)
            {
                // Recorded behind the walk since it passed there: it must chain on, and name the entry's hash.
                var behind = marks[mark];
                var entryHash = await db.StreamReadAsync(c => c.QuerySingleOrDefaultAsync<string>(Sql.EntryHash(db.Dialect), new { sequence = behind.Sequence }), ct);
                var problem = CheckpointProblem(behind, checkpointPrevious)
                    ?? (behind.EntryHash == entryHash ? null : $"The checkpoint at entry {behind.Sequence} names another hash than the entry's.");
                if (problem is not null)
                {
                    return Broken(behind.Sequence, problem);
                }
                checkpointPrevious = behind.Hash;
                checkpointSequence = behind.Sequence;
            }
            foreach (var row in page)
            {
                if (row.Sequence != expectedSequence)
                {
                    return Broken(expectedSequence, $"Entry {expectedSequence} is missing (the next entry is {row.Sequence}).");
                }
                if (!string.Equals(row.PreviousHash, previous, StringComparison.Ordinal))
                {
                    return Broken(row.Sequence, $"Entry {row.Sequence} does not chain from the entry before it.");
                }
                if (!HashMatches(row, previous))
                {
                    return Broken(row.Sequence, $"Entry {row.Sequence} does not match its hash: its content was changed.");
                }
                if (mark < marks.Count && marks[mark].Sequence == row.Sequence)
                {
                    var problem = CheckpointProblem(marks[mark], checkpointPrevious)
                        ?? (marks[mark].EntryHash == row.Hash ? null : $"The checkpoint at entry {row.Sequence} names another hash than the entry's.");
                    if (problem is not null)
                    {
                        return Broken(row.Sequence, problem);
                    }
                    checkpointPrevious = marks[mark].Hash;
                    checkpointSequence = marks[mark].Sequence;
                    mark++;
                }
                checkedCount++;
                previous = row.Hash;
                expectedSequence++;
            }
        }
        var through = expectedSequence - 1;
        if (through == head.Sequence && !string.Equals(previous, head.Hash, StringComparison.Ordinal))
        {
            return Broken(head.Sequence, $"The last entry ({head.Sequence}) is not the one the chain head recorded.");
        }
        if (through == head.Sequence && await FirstBeyondHeadAsync(ct) is { First: { } beyond } now)
        {
            // Appends move the head in the transaction that inserts their entries, so in one snapshot no entry the
            // registry appended lies past the head; one that does was put there behind its back (and, left where
            // appends have not reached yet, reads in GET /v1/audit as the newest entry).
            return Broken(beyond, $"Entry {beyond} lies beyond the chain head ({now.Sequence}): it was not appended to the chain.");
        }
        return new(true, checkedCount, head.Sequence, null, null, from.Sequence, through, new VerifyPosition(through, previous, checkpointPrevious));
    }

    /// <summary>
    /// The head and the first entry past it, read in one snapshot: a statement of its own is not one view on every
    /// provider (SQL Server's locking reads could read the head, then wait for an append's entries and see them past it).
    /// </summary>
    private async Task<Beyond> FirstBeyondHeadAsync(CancellationToken ct)
    {
        await foreach (var row in db.SnapshotAsync(async c => (await c.QueryAsync<Beyond>(Sql.FirstBeyondHead)).ToAsyncEnumerable(), ct))
        {
            return row;
        }
        throw new InvalidOperationException("The audit chain head is missing.");
    }

    /// <summary>Records that entries 1 to <paramref name="sequence"/> are verified, chained on the latest checkpoint (unless that is as far already).</summary>
    private async Task CheckpointAsync(long sequence, string entryHash, CancellationToken ct) =>
        await db.WriteAsync(async c =>
        {
            var latest = (await c.QueryAsync<AuditCheckpoint>(Sql.LatestCheckpoints(c.Dialect))).FirstOrDefault();
            if (latest is not null && latest.Sequence >= sequence)
            {
                return Result.Done(false);
            }
            var at = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            var previous = latest?.Hash ?? Genesis;
            // A concurrent verification's checkpoint on the same predecessor fails the unique previous_hash; the
            // pipeline runs this again, on that checkpoint.
            await c.ExecuteAsync(Sql.InsertCheckpoint, new { sequence, entryHash, at, previous, hash = CheckpointHashOf(sequence, entryHash, at, previous) });
            return Result.Done(true);
        }, ct);

    private static string EndsBefore(long head, string what) => $"The log ends at {head}, before {what}: entries were removed.";

    /// <summary>What is wrong with <paramref name="checkpoint"/> chained on <paramref name="previous"/>, or null.</summary>
    private static string? CheckpointProblem(AuditCheckpoint checkpoint, string previous) =>
        !string.Equals(checkpoint.PreviousHash, previous, StringComparison.Ordinal)
            ? $"The checkpoint at entry {checkpoint.Sequence} does not chain from the checkpoint before it."
            : !string.Equals(CheckpointHashOf(checkpoint.Sequence, checkpoint.EntryHash, checkpoint.At, previous), checkpoint.Hash, StringComparison.Ordinal)
                ? $"The checkpoint at entry {checkpoint.Sequence} does not match its hash: it was changed."
                : null;

    /// <summary>SHA-256 (lowercase hex) over the previous checkpoint's hash, <c>\n</c>, then sequence, entry hash and time as <see cref="HashOf"/> writes fields.</summary>
    public static string CheckpointHashOf(long sequence, string entryHash, long at, string previousHash)
    {
        var content = new StringBuilder(160);
        content.Append(previousHash).Append('\n');
        Field(content, sequence.ToString(CultureInfo.InvariantCulture));
        Field(content, entryHash);
        Field(content, at.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToString())));
    }

    /// <summary>
    /// Whether the stored entry matches its hash, chained on <paramref name="previous"/>. A status, edition or
    /// classification no entry can have (one past 32 bits, which only SQLite's columns hold, so only tampering writes)
    /// matches none: it is not cast to fit, which failed the walk (500), or wrapped onto a value whose hash the forged
    /// entry could then keep (a classification of 2^32 + 1 hashed as NR's 1). So does a text column holding something
    /// else (<see cref="AuditRow.NotText"/>): bytes read as text would hash as the text they spell, the text recorded.
    /// </summary>
    private static bool HashMatches(AuditRow row, string previous) =>
        !row.NotText
        && row.Status is >= int.MinValue and <= int.MaxValue
        && row.Edition is null or (>= int.MinValue and <= int.MaxValue)
        && row.Classification is null or (>= int.MinValue and <= int.MaxValue)
        && string.Equals(HashOf(row.Sequence, ToEntry(row), previous), row.Hash, StringComparison.Ordinal);

    private static AuditEntry ToEntry(AuditRow row) => new(
        row.At, row.Action, checked((int)row.Status), row.Subject, row.Community, row.Roles, row.StandardKey, checked((int?)row.Edition),
        checked((Classification?)row.Classification), row.Detail, row.ClientAddress, row.RequestId, row.Issuer);

    /// <summary>
    /// SHA-256 (lowercase hex) over the previous entry's hash and the entry's canonical content. Canonical content is
    /// every field in this fixed order — sequence, at, action, status, subject, community, roles, key, edition,
    /// classification, detail, client address, request id, and then the issuer only if the entry has one — each written
    /// as <c>&lt;n&gt;:&lt;text&gt;;</c> where text is the value's invariant text (numbers in decimal) in UTF-8 and n its
    /// length in bytes, or <c>-;</c> for null. An entry without an issuer (an anonymous caller, the registry itself, and
    /// every entry written before the trail recorded issuers) hashes as it always did; with one, the field is covered, so
    /// neither adding nor removing an issuer goes unseen. The hashed bytes are the previous hash (64 hex characters),
    /// <c>\n</c>, then the content.
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
        if (entry.Issuer is not null)
        {
            Field(content, entry.Issuer);
        }
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
        string? Key, int? Edition, int? Classification, string? Detail, string? Client, string? Request, string? Issuer, string Previous, string Hash)
    {
        public Row(long sequence, AuditEntry entry, string previous, string hash)
            : this(sequence, entry.At, entry.Action, entry.Status, entry.Subject, entry.Community, entry.Roles, entry.Key, entry.Edition,
                (int?)entry.Classification, entry.Detail, entry.ClientAddress, entry.RequestId, entry.Issuer, previous, hash)
        {
        }

        /// <summary>The columns of <paramref name="rows"/>, one typed array for each of <see cref="Sql.RowParameters"/>, in their order.</summary>
        public static object[] Columns(IReadOnlyList<Row> rows)
        {
            return
            [
                Of(r => r.Sequence), Of(r => r.At), Of(r => r.Action), Of(r => r.Status), Of(r => r.Subject), Of(r => r.Community), Of(r => r.Roles),
                Of(r => r.Key), Of(r => r.Edition), Of(r => r.Classification), Of(r => r.Detail), Of(r => r.Client), Of(r => r.Request),
                Of(r => r.Issuer), Of(r => r.Previous), Of(r => r.Hash),
            ];

            T[] Of<T>(Func<Row, T> column)
            {
                var values = new T[rows.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = column(rows[i]);
                }
                return values;
            }
        }

        /// <summary>The values of <see cref="Sql.RowParameters"/>, in their order.</summary>
        public object?[] Values() =>
            [Sequence, At, Action, Status, Subject, Community, Roles, Key, Edition, Classification, Detail, Client, Request, Issuer, Previous, Hash];

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
            parameters.Add("Issuer" + n, Issuer, System.Data.DbType.String);
            parameters.Add("Previous" + n, Previous);
            parameters.Add("Hash" + n, Hash);
        }
    }

    /// <summary>The head's sequence and the first entry past it, if any, read in one statement.</summary>
    private sealed class Beyond
    {
        public long Sequence { get; init; }
        public long? First { get; init; }
    }

    private sealed class Head
    {
        public long Sequence { get; init; }
        public string Hash { get; init; } = "";
    }

    internal static class Sql
    {

        /// <summary>
        /// The head; its sequence or hash holding something else (SQLite: only tampering stores it) read as a value no
        /// head has (<see cref="SqlDialect.StoredInteger"/>, <see cref="SqlDialect.StoredText"/>: a mark, never 64 hex
        /// digits), which verification finds broken, rather than failing Dapper's conversion (500). As are the
        /// checkpoints' columns and an entry's hash read alone.
        /// </summary>
        public static string SelectHead(SqlDialect dialect) =>
            $"SELECT {dialect.StoredInteger("sequence")} AS Sequence, {dialect.StoredText("hash", nullable: false)} AS Hash FROM audit_chain_head WHERE id = 1";

        /// <summary>The head's sequence and the first entry past it (read in a snapshot: <see cref="FirstBeyondHeadAsync"/>).</summary>
        public const string FirstBeyondHead =
            "SELECT h.sequence AS Sequence, (SELECT MIN(a.sequence) FROM audit_log a WHERE a.sequence > h.sequence) AS First FROM audit_chain_head h WHERE h.id = 1";

        /// <summary>Takes the head's row lock with a no-op update and returns the head as it is under that lock.</summary>
        public static string LockAndSelectHead(SqlDialect dialect) => dialect.UpdateReturning("audit_chain_head", "sequence = sequence", "id = 1", "sequence, hash");

        public const string UpdateHead = "UPDATE audit_chain_head SET sequence = @sequence, hash = @hash WHERE id = 1";

        private const string Insert0 =
            "INSERT INTO audit_log (sequence, at, action, status, subject, community, roles, standard_key, edition, classification, detail, client_address, request_id, issuer, previous_hash, hash) VALUES ";

        internal static readonly string[] RowParameters =
            ["Sequence", "At", "Action", "Status", "Subject", "Community", "Roles", "Key", "Edition", "Classification", "Detail", "Client", "Request", "Issuer", "Previous", "Hash"];

        /// <summary>An INSERT of one entry, binding the properties of a <see cref="Row"/>.</summary>
        public static readonly string InsertRow = Insert0 + "(" + string.Join(", ", RowParameters.Select(p => "@" + p)) + ")";

        internal static readonly string[] AppendAfterHeadParameters = ["keptSequence", "keptHash", "headSequence", "headHash"];

        /// <summary>
        /// PostgreSQL: moves the head from @keptSequence/@keptHash to @headSequence/@headHash and inserts the rows given
        /// column by column (one array per <see cref="RowParameters"/> name) — the rows only if the head was moved, so
        /// the count inserted says whether the head was still the one kept.
        /// </summary>
        public static readonly string AppendAfter =
            "WITH head AS (UPDATE audit_chain_head SET sequence = @headSequence, hash = @headHash WHERE id = 1 AND sequence = @keptSequence AND hash = @keptHash RETURNING 1) " +
            Insert0[..^" VALUES ".Length] + " SELECT e.* FROM head, unnest(@Sequence::bigint[], @At::bigint[], @Action::text[], @Status::integer[], " +
            "@Subject::text[], @Community::text[], @Roles::text[], @Key::text[], @Edition::integer[], @Classification::smallint[], @Detail::text[], " +
            "@Client::text[], @Request::text[], @Issuer::text[], @Previous::text[], @Hash::text[]) AS e";

        /// <summary>An INSERT of <paramref name="rows"/> entries; row i binds @Sequence{i}, @At{i}, … @Hash{i} (<see cref="Row.AddTo"/>).</summary>
        public static string Insert(int rows) =>
            Insert0 + string.Join(", ", Enumerable.Range(0, rows).Select(i => "(" + string.Join(", ", RowParameters.Select(p => $"@{p}{i}")) + ")"));

        /// <summary>The text columns of an entry, with their properties, and whether the registry writes NULL in them.</summary>
        private static readonly (string Column, string Property, bool Nullable)[] TextColumns =
        [
            ("a.action", "Action", false), ("a.subject", "Subject", false), ("a.community", "Community", false), ("a.roles", "Roles", false),
            ("a.standard_key", "StandardKey", true), ("a.detail", "Detail", true), ("a.client_address", "ClientAddress", true),
            ("a.request_id", "RequestId", true), ("a.issuer", "Issuer", true), ("a.previous_hash", "PreviousHash", false), ("a.hash", "Hash", false),
        ];

        /// <summary>
        /// An entry's columns; an integer one holding something else (SQLite: only tampering stores it) read as a value
        /// no entry has (<see cref="SqlDialect.StoredInteger"/>), which the answer shows clamped and verification finds
        /// changed (past 32 bits, <see cref="HashMatches"/>; a time, not the one hashed), rather than failing Dapper's conversion (500);
        /// a text one holding something else read as text saying what (<see cref="SqlDialect.StoredText"/>), and
        /// <see cref="AuditRow.NotText"/> set, which verification finds changed.
        /// </summary>
        private static string Columns(SqlDialect dialect)
        {
            var texts = string.Join(", ", TextColumns.Select(t => $"{dialect.StoredText(t.Column, t.Nullable)} AS {t.Property}"));
            var holds = TextColumns.Select(t => dialect.HoldsText(t.Column, t.Nullable)).OfType<string>().ToList();
            var notText = holds.Count == 0 ? "" : $", CASE WHEN {string.Join(" AND ", holds)} THEN 0 ELSE 1 END AS NotText";
            return $"a.sequence AS Sequence, {dialect.StoredInteger("a.at")} AS At, {dialect.StoredInteger("a.status")} AS Status, "
                + $"{dialect.StoredInteger("a.edition")} AS Edition, {dialect.StoredInteger("a.classification")} AS Classification, {texts}{notText}";
        }

        private static string CheckpointColumns(SqlDialect dialect) =>
            $"k.sequence AS Sequence, {dialect.StoredText("k.entry_hash", nullable: false)} AS EntryHash, {dialect.StoredInteger("k.at")} AS At, "
            + $"{dialect.StoredText("k.previous_hash", nullable: false)} AS PreviousHash, {dialect.StoredText("k.hash", nullable: false)} AS Hash";

        /// <summary>The latest two checkpoints, newest first: the one a verification starts from and its predecessor.</summary>
        public static string LatestCheckpoints(SqlDialect dialect) =>
            $"SELECT {CheckpointColumns(dialect)} FROM audit_checkpoint k ORDER BY k.sequence DESC {dialect.Limit("2")}";

        public static string CheckpointsBetween(SqlDialect dialect) =>
            $"SELECT {CheckpointColumns(dialect)} FROM audit_checkpoint k WHERE k.sequence > @after AND k.sequence <= @through ORDER BY k.sequence";

        public const string InsertCheckpoint =
            "INSERT INTO audit_checkpoint (sequence, entry_hash, at, previous_hash, hash) VALUES (@sequence, @entryHash, @at, @previous, @hash)";

        public static string Entry(SqlDialect dialect) => $"SELECT {Columns(dialect)} FROM audit_log a WHERE a.sequence = @sequence";

        public static string EntryHash(SqlDialect dialect) => $"SELECT {dialect.StoredText("a.hash", nullable: false)} FROM audit_log a WHERE a.sequence = @sequence";

        /// <summary>The sequence of the checkpoint with hash @hash (a full verification's cursor names its last checkpoint by hash).</summary>
        public const string CheckpointSequence = "SELECT k.sequence FROM audit_checkpoint k WHERE k.hash = @hash";

        public static string Page(SqlDialect dialect) =>
            $"SELECT {Columns(dialect)} FROM audit_log a WHERE a.sequence > @after AND a.sequence <= @head ORDER BY a.sequence {dialect.Limit("@limit")}";

        public static string Query(SqlDialect dialect, bool subject, bool key, bool from, bool to, bool after)
        {
            var where = new List<string>();
            if (subject)
            {
                // Exactly, on every provider: a token's "Anonymous" is not the anonymous callers' "anonymous".
                where.Add(dialect.ExactlyEquals("a.subject", "@subject"));
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
            return $"SELECT {Columns(dialect)} FROM audit_log a{filter} ORDER BY a.sequence {dialect.Limit("@limit")}";
        }

        public static IEnumerable<string> All(SqlDialect dialect)
        {
            yield return SelectHead(dialect);
            yield return FirstBeyondHead;
            yield return LockAndSelectHead(dialect);
            yield return UpdateHead;
            yield return Insert(1);
            yield return Insert(2);
            yield return InsertRow;
            yield return Insert(32);
            if (dialect.Name == SqlDialect.Postgres)
            {
                yield return AppendAfter;
            }
            yield return Page(dialect);
            yield return LatestCheckpoints(dialect);
            yield return CheckpointsBetween(dialect);
            yield return InsertCheckpoint;
            yield return Entry(dialect);
            yield return EntryHash(dialect);
            yield return CheckpointSequence;
            foreach (var mask in Enumerable.Range(0, 32))
            {
                yield return Query(dialect, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0, (mask & 16) != 0);
            }
        }
    }
}
