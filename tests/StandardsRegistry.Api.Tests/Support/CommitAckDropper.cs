using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A TCP relay in front of a PostgreSQL server that, once <see cref="Arm"/>ed, loses the acknowledgement of the next
/// COMMIT on a connection of the given pool (its application name): the server has committed and answers
/// <c>CommandComplete "COMMIT"</c>; the relay drops the connection instead of passing that answer on, as a network
/// failing right after the commit would. Or, asked to, it holds a message on its way to the server and then drops the
/// connection, the server never having seen it (<see cref="HoldNext"/>). Everything else passes through as it is.
/// </summary>
public sealed class CommitAckDropper : IAsyncDisposable
{
    /// <summary>The answer whose loss is armed: CommandComplete ('C'), its length (4 + the tag and its NUL), the tag.</summary>
    private readonly byte[] CommitComplete;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly byte[] _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed;
    private int _dropped;

    /// <param name="pool">The application name's text that marks the connections to break (e.g. "(writes)").</param>
    /// <param name="tag">
    /// The command tag of the answer to lose: <c>COMMIT</c>, or, for a statement that commits on its own (an implicit
    /// transaction, whose answer carries its own tag), that statement's, e.g. <c>INSERT 0 1</c>.
    /// </param>
    public CommitAckDropper(int serverPort, string pool, string tag = "COMMIT")
    {
        CommitComplete = [(byte)'C', 0, 0, 0, (byte)(4 + Encoding.ASCII.GetByteCount(tag) + 1), .. Encoding.ASCII.GetBytes(tag), 0];
        _serverPort = serverPort;
        _pool = Encoding.UTF8.GetBytes(pool);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many acknowledgements were lost so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>The next COMMIT acknowledgement on a connection of the pool is lost (the next <paramref name="times"/>).</summary>
    public void Arm(int times = 1) => Volatile.Write(ref _armed, times);

    private byte[]? _holdMarker;
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _break = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The next message on a connection of the pool that carries <paramref name="marker"/> (a parameter's text, such as a
    /// subject) never reaches the server: it is held, the connection waiting for its answer, until <see cref="Break"/>
    /// drops the connection, as a network failing on the way to the server would. <see cref="Held"/> completes once it is held.
    /// </summary>
    public void HoldNext(string marker) => Volatile.Write(ref _holdMarker, Encoding.UTF8.GetBytes(marker));

    /// <summary>Completes once the message <see cref="HoldNext"/> asked for is held.</summary>
    public Task Held => _held.Task;

    /// <summary>Drops the connection whose message is held (the server never saw it).</summary>
    public void Break() => _break.TrySetResult();

    /// <summary>Takes one of the armed losses, if any is left.</summary>
    private bool Disarm()
    {
        for (var armed = Volatile.Read(ref _armed); armed > 0; armed = Volatile.Read(ref _armed))
        {
            if (Interlocked.CompareExchange(ref _armed, armed - 1, armed) == armed)
            {
                return true;
            }
        }
        return false;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
            var ofPool = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var broken = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpUpAsync(client.GetStream(), server.GetStream(), ofPool, broken.Token);
            var down = PumpDownAsync(server.GetStream(), client.GetStream(), ofPool.Task, broken.Token);
            await Task.WhenAny(up, down);
            await broken.CancelAsync();
        }
        catch (Exception)
        {
            // The relay of one connection ends when either side goes: the other side is dropped with it.
        }
    }

    /// <summary>Client to server, as it is; the startup message (the first bytes) says which pool the connection is of.</summary>
    private async Task PumpUpAsync(NetworkStream from, NetworkStream to, TaskCompletionSource<bool> ofPool, CancellationToken ct)
    {
        var buffer = new byte[16384];
        var seen = new List<byte>();
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                if (!ofPool.Task.IsCompleted)
                {
                    seen.AddRange(buffer.AsSpan(0, read));
                    if (seen.ToArray().AsSpan().IndexOf(_pool) >= 0)
                    {
                        ofPool.TrySetResult(true);
                    }
                    else if (seen.Count > 4096)
                    {
                        ofPool.TrySetResult(false);
                    }
                }
                if (ofPool.Task.IsCompleted && ofPool.Task.Result && Volatile.Read(ref _holdMarker) is { } marker
                    && buffer.AsSpan(0, read).IndexOf(marker) >= 0
                    && Interlocked.CompareExchange(ref _holdMarker, null, marker) == marker)
                {
                    _held.TrySetResult();
                    await _break.Task.WaitAsync(ct);
                    return;
                }
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        finally
        {
            ofPool.TrySetResult(false);
        }
    }

    /// <summary>Server to client, as it is, but for the armed COMMIT acknowledgement: the connection ends before it.</summary>
    private async Task PumpDownAsync(NetworkStream from, NetworkStream to, Task<bool> ofPool, CancellationToken ct)
    {
        var buffer = new byte[16384];
        // The tail of what was passed on, so that a tag split between two reads is found.
        var tail = Array.Empty<byte>();
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            var window = new byte[tail.Length + read];
            tail.CopyTo(window, 0);
            buffer.AsSpan(0, read).CopyTo(window.AsSpan(tail.Length));
            if (ofPool.IsCompleted && ofPool.Result && Volatile.Read(ref _armed) > 0
                && window.AsSpan().IndexOf(CommitComplete) is var at and >= 0
                && Disarm())
            {
                // What came before the acknowledgement goes on; the acknowledgement and the rest do not.
                var before = Math.Max(0, at - tail.Length);
                await to.WriteAsync(buffer.AsMemory(0, before), ct);
                Interlocked.Increment(ref _dropped);
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
            tail = window.AsSpan(Math.Max(0, window.Length - (CommitComplete.Length - 1))).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
