using System.Net;

namespace TurboDiffusion.Client.Tests.Support;

/// <summary>
/// Sits between the client and the real gateway and injects the faults of a bad network: answers lost after the
/// server acted, and event streams cut mid-way. Records every request it saw.
/// </summary>
public sealed class FaultyHandler : DelegatingHandler
{
    public FaultyHandler()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Requests (method, path, headers) in the order sent.</summary>
    public List<HttpRequestMessage> Seen { get; } = [];

    /// <summary>How many answers to lose (replaced by 503) after the server handled the request.</summary>
    public int LoseAnswers { get; set; }

    /// <summary>Cut the first event stream after this many whole events (0: never).</summary>
    public int CutEventStreamAfter { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Seen.Add(request);
        var response = await base.SendAsync(request, cancellationToken);
        if (LoseAnswers > 0)
        {
            LoseAnswers--;
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        if (CutEventStreamAfter > 0 && request.RequestUri!.AbsolutePath.EndsWith("/events", StringComparison.Ordinal))
        {
            var limit = CutEventStreamAfter;
            CutEventStreamAfter = 0;
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var cut = new StreamContent(new CuttingStream(body, limit));
            foreach (var header in response.Content.Headers)
            {
                cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = cut;
        }

        return response;
    }

    /// <summary>Reads through <c>limit</c> events (blank-line terminated), then fails as a dropped connection does.</summary>
    private sealed class CuttingStream(Stream inner, int limit) : Stream
    {
        private int read;
        private int events;
        private byte previous;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => read;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (events >= limit)
            {
                throw new IOException("connection reset (injected)");
            }

            // One byte at a time, so the cut falls exactly on an event boundary.
            var n = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);
            if (n == 1)
            {
                read++;
                events += previous == (byte)'\n' && buffer.Span[0] == (byte)'\n' ? 1 : 0;
                previous = buffer.Span[0];
            }

            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
