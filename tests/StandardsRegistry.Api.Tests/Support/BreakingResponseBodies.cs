using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A connection that drops mid-response, deterministically: a request carrying <see cref="Header"/>: <c>n</c> has a
/// response body that hands the first n bytes written to the transport (and flushes them) and then fails every write
/// with an <see cref="IOException"/>, as Kestrel's body does when the client has gone. A write that crosses the n-th
/// byte hands over its first part before it fails. Requests without the header pass untouched. Add it with
/// <see cref="RegistryApp.WithServices"/>.
/// </summary>
internal sealed class BreakingResponseBodies : IStartupFilter
{
    public const string Header = "X-Test-Body-Breaks-After";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (!long.TryParse(context.Request.Headers[Header], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes))
            {
                await nextMiddleware(context);
                return;
            }
            var original = context.Response.Body;
            context.Response.Body = new BreakingStream(original, bytes);
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                context.Response.Body = original;
            }
        });
        next(app);
    };

    private sealed class BreakingStream(Stream inner, long after) : WriteThroughStream(inner)
    {
        private long _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_written + buffer.Length <= after)
            {
                _written += buffer.Length;
                await Inner.WriteAsync(buffer, cancellationToken);
                return;
            }
            var part = (int)(after - _written);
            _written = after;
            await Inner.WriteAsync(buffer[..part], cancellationToken);
            await Inner.FlushAsync(cancellationToken);
            throw new IOException($"The connection dropped after {after} bytes of the response (a test's breaking body).");
        }
    }
}
