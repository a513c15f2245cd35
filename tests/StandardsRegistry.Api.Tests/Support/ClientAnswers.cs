using System.Diagnostics.Metrics;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Counts the answers this process's HTTP clients have received from one port, as .NET's own
/// <c>http.client.request.duration</c> measures them: once the answer's headers are in, before the caller goes on. A
/// receiver has acknowledged a delivery before the dispatcher has its answer; this tells when the dispatcher has it.
/// Make it before the request is sent: a client measures a request only if something listened when it began.
/// </summary>
public sealed class ClientAnswers : IDisposable
{
    private readonly MeterListener _listener = new();
    private int _count;

    public ClientAnswers(int port, int status)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            int? from = null, answered = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port")
                {
                    from = Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (tag.Key == "http.response.status_code")
                {
                    answered = Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            if (from == port && answered == status)
            {
                Interlocked.Increment(ref _count);
            }
        });
        _listener.Start();
    }

    /// <summary>Answers of the status received from the port since this was made.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
