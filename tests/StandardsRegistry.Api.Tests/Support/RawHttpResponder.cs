using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A receiver on 127.0.0.1 (a free port) that reads each request whole and answers it with the same raw bytes, then
/// closes the connection: an answer Kestrel would never write (an invalid header line, a redirect), as a hostile or
/// broken receiver may.
/// </summary>
public sealed class RawHttpResponder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly byte[] _answer;
    private int _requests;

    public RawHttpResponder(string answer)
    {
        _answer = Encoding.Latin1.GetBytes(answer);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hooks/registry");
        _loop = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    /// <summary>Requests read whole and answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        await ReadRequestAsync(stream, _stop.Token);
                        Interlocked.Increment(ref _requests);
                        await stream.WriteAsync(_answer, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                    {
                    }
                }
            });
        }
    }

    /// <summary>Reads the head up to its blank line, then as many body bytes as its Content-Length says.</summary>
    private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                throw new IOException("The request ended before its head did.");
            }
            head.Add(one[0]);
        }
        var length = Encoding.Latin1.GetString([.. head]).Split("\r\n")
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();
        await stream.ReadExactlyAsync(new byte[length], ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
