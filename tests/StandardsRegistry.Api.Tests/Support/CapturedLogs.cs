using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// What the service writes to its log, kept in memory: every line its configured filters let through (appsettings.json's
/// levels, as in production), with its category, level, message and exception as a console provider would print them.
/// Add it with <c>app.WithServices(s => s.AddSingleton&lt;ILoggerProvider&gt;(logs))</c>.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Line> _lines = new();

    public sealed record Line(string Category, LogLevel Level, string Message, string? Exception)
    {
        public string Text => $"{Level} {Category}: {Message}{(Exception is null ? "" : $"\n{Exception}")}";
    }

    public IReadOnlyCollection<Line> Lines => _lines;

    /// <summary>Every line as printed, one after the other.</summary>
    public string Text => string.Join('\n', _lines.Select(l => l.Text));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(category, logLevel, formatter(state, exception), exception?.ToString()));
    }
}
