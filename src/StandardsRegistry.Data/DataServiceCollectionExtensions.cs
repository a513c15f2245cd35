using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace StandardsRegistry.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// The one way a settings class is registered: bound from its configuration section, its data annotations (and
    /// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) checked when the host starts, so a value
    /// out of range stops the service with one line naming it instead of failing later at the first use. Read when the
    /// service starts, too (<see cref="SettingReadAtStart"/>), as every consumer takes it from
    /// <see cref="IOptions{TOptions}"/>: a change to the configuration after that waits for the next start.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton(new SettingReadAtStart(sp => _ = sp.GetRequiredService<IOptions<T>>().Value));
        return services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
    }

    /// <summary>
    /// The database: provider dialect, connection, the <c>registry-db</c> resilience pipeline, migrations and stores.
    /// A wrong provider or a malformed connection string fails at start with one line saying what is wrong.
    /// </summary>
    public static IServiceCollection AddRegistryDatabase(this IServiceCollection services)
    {
        services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section)
            .Validate(o => SqlDialect.Providers.Contains(o.Provider),
                $"Database:Provider must be one of {string.Join(", ", SqlDialect.Providers)}.");

        services.AddSingleton(sp => SqlDialect.For(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider));

        services.AddResiliencePipeline(Db.Pipeline, static (builder, context) =>
        {
            var dialect = context.ServiceProvider.GetRequiredService<SqlDialect>();
            // The database failing, not its callers: a pool that its own callers hold (exports of many consumers at once)
            // is that caller's 503 (IsUnavailable) and is retried, but opening the breaker on it refused every read and
            // write of everyone else while the database served well. So is contention between callers (deadlocks,
            // serialization failures, a lock held past its timeout: IsContention), retried below but not counted: a burst
            // of writes to one standard opened it for everyone.
            var unavailable = new PredicateBuilder().Handle<Exception>(e =>
                (dialect.IsTransient(e) || dialect.IsConnectionFailure(e)) && !dialect.IsPoolExhausted(e) && !dialect.IsContention(e)
                || e is CommitOutcomeUnknownException);
            builder
                // Outermost: a request never waits on the database longer than this, retries included.
                .AddTimeout(TimeSpan.FromSeconds(10))
                // Whole operations only, never a commit cut off (CommitOutcomeUnknownException: it may have been written).
                // A unique violation means a concurrent writer got there first: running the transaction again re-reads
                // the state and gives the right answer (the next edition, or a 409).
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e => dialect.IsTransient(e) || dialect.IsConnectionFailure(e) || dialect.IsUniqueViolation(e)),
                    MaxRetryAttempts = 4,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(50),
                    MaxDelay = TimeSpan.FromSeconds(1),
                })
                // While the database keeps failing, answer 503 at once instead of queueing more attempts against it.
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    ShouldHandle = unavailable,
                    FailureRatio = 0.5,
                    MinimumThroughput = 20,
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    BreakDuration = TimeSpan.FromSeconds(3),
                });
        });

        services.AddSingleton(sp =>
        {
            var dialect = sp.GetRequiredService<SqlDialect>();
            var configured = sp.GetRequiredService<IConfiguration>().GetConnectionString("Registry");
            if (string.IsNullOrWhiteSpace(configured))
            {
                throw new InvalidOperationException("ConnectionStrings:Registry is not set.");
            }
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            string requests, streams, writes;
            try
            {
                var connectionString = dialect.Normalize(configured);
                requests = dialect.Pooled(connectionString, options.RequestPoolSize, "requests");
                streams = dialect.Pooled(connectionString, options.StreamPoolSize, "streams");
                writes = dialect.Pooled(connectionString, options.WritePoolSize, "writes");
            }
            catch (ConnectionStringProblem e)
            {
                throw new InvalidOperationException($"ConnectionStrings:Registry is not a valid {dialect.Name} connection string: {e.Message}", e);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                // The driver's message quotes what it could not read: after an unquoted ';' in a password, the password's
                // tail ("Keyword not supported: '…'"). Neither it nor the exception goes any further.
                throw new InvalidOperationException(
                    $"ConnectionStrings:Registry is not a valid {dialect.Name} connection string (Database:Provider {dialect.Name}): the driver cannot read a keyword or value in it " +
                    "(its text is not shown, as it may hold a password; a value holding ';' must be quoted).");
            }
            return new Db(dialect, requests, sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(Db.Pipeline),
                sp.GetRequiredService<RegistryMetrics>(), streams, writes, options.RequestPoolSize, options.StreamPoolSize);
        });

        services.AddSingleton(sp => new RegistryMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<CatalogueQueries>();
        services.AddSingleton<FeedWriter>();
        services.AddSingleton<FeedReader>();
        // Every audited write's path; it needs the API's AnsweredStatus (how an outcome is answered) registered beside it.
        services.AddSingleton<RegistryWrites>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<EditorialStore>();
        services.AddSingleton<ReleaseStore>();
        services.AddSingleton<ResponseStore>();
        services.AddSingleton<RelationStore>();
        services.AddSingleton<CapabilityStore>();
        services.AddSingleton<AudienceDirectory>();
        services.AddSingleton<AuditLog>();
        return services;
    }

    /// <summary>Errors that mean the database cannot serve now (after retries): the API answers 503, not 500.</summary>
    public static bool IsUnavailable(this SqlDialect dialect, Exception exception) =>
        exception is BrokenCircuitException or TimeoutRejectedException or CommitOutcomeUnknownException || dialect.IsTransient(exception) || dialect.IsConnectionFailure(exception);
}

/// <summary>
/// Settings the host reads when the service starts, right after validating them (RegistryStartup), so that every setting
/// is read then and never later. <see cref="IOptions{TOptions}"/> reads its value at its first use, which for some
/// settings was the first request or the first capability-table preview, perhaps days later: a value changed in the
/// file meanwhile was used without a restart, or, out of range, answered 500 to every request needing it.
/// </summary>
public sealed class SettingReadAtStart(Action<IServiceProvider> read)
{
    public void Read(IServiceProvider services) => read(services);
}
