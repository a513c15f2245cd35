using System.Data.Common;
using Polly;

namespace StandardsRegistry.Data;

/// <summary>
/// One connection per operation, through the named resilience pipeline. Only whole units are retried:
/// an idempotent read, or a write transaction that either committed or rolled back as a whole.
/// </summary>
public sealed class Db(SqlDialect dialect, string connectionString, ResiliencePipeline pipeline)
{
    public const string Pipeline = "registry-db";

    public SqlDialect Dialect => dialect;

    public string ConnectionString => connectionString;

    public ValueTask<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken = default) =>
        pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                await using var connection = state.dialect.CreateConnection(state.connectionString);
                await connection.OpenAsync(ct);
                return await state.work(connection);
            },
            (dialect, connectionString, work),
            cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a transaction, committed only when it reports the write done.</summary>
    public ValueTask<Result<T>> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<Result<T>>> work, CancellationToken cancellationToken = default) =>
        pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                await using var connection = state.dialect.CreateConnection(state.connectionString);
                await connection.OpenAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var result = await state.work(connection, transaction);
                if (result.Succeeded)
                {
                    await transaction.CommitAsync(CancellationToken.None);
                }
                else
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                }
                return result;
            },
            (dialect, connectionString, work),
            cancellationToken);
}

public enum Outcome
{
    /// <summary>Written (or, for an idempotent request, already in the requested state).</summary>
    Done,
    Created,
    NotFound,
    Conflict,
    PreconditionFailed,
    Unprocessable,
}

/// <summary>What a write did; <see cref="Problem"/> says why when it did nothing.</summary>
public sealed record Result<T>(Outcome Outcome, T? Value = default, string? Problem = null)
{
    public bool Succeeded => Outcome is Outcome.Done or Outcome.Created;
}

public static class Result
{
    public static Result<T> Done<T>(T value) => new(Outcome.Done, value);

    public static Result<T> Created<T>(T value) => new(Outcome.Created, value);

    public static Result<T> Fail<T>(Outcome outcome, string? problem = null) => new(outcome, default, problem);
}
