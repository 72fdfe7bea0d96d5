using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Gateway.Batches;

/// <summary>
/// Reads a JSON-lines body one line at a time straight from the request pipe: memory stays at one line however
/// large the upload. Blank lines are skipped; a line longer than the limit or with bad JSON is reported by number.
/// </summary>
public static class JsonLines
{
    public static async IAsyncEnumerable<(int Line, T Item)> ReadAsync<T>(PipeReader reader, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var number = 0;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var items = new List<(int, T)>();
            try
            {
                while (TryTakeLine(ref buffer, out var line))
                {
                    number++;
                    if (Parse<T>(line, number, maxLineBytes) is { } item)
                    {
                        items.Add((number, item));
                    }
                }

                if (read.IsCompleted && buffer.Length > 0)
                {
                    number++;
                    if (Parse<T>(buffer, number, maxLineBytes) is { } last)
                    {
                        items.Add((number, last));
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                if (buffer.Length > maxLineBytes)
                {
                    throw new InvalidJobSpecException([$"lines[{number + 1}]: is longer than {maxLineBytes} bytes (Turbo:Gateway:MaxBatchLineBytes); put one job per line."]);
                }
            }
            catch (InvalidJobSpecException)
            {
                // Kestrel drains the rest of the upload after the 400, which it can only once this read is given back.
                reader.AdvanceTo(read.Buffer.End);
                throw;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            foreach (var item in items)
            {
                yield return item;
            }

            if (read.IsCompleted)
            {
                yield break;
            }
        }
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        return true;
    }

    private static T? Parse<T>(ReadOnlySequence<byte> line, int number, int maxLineBytes)
    {
        if (line.Length > maxLineBytes)
        {
            throw new InvalidJobSpecException([$"lines[{number}]: is longer than {maxLineBytes} bytes (Turbo:Gateway:MaxBatchLineBytes); put one job per line."]);
        }

        if (IsBlank(line))
        {
            return default;
        }

        try
        {
            var reader = new Utf8JsonReader(line);
            return JsonSerializer.Deserialize<T>(ref reader, TurboJson.Options)
                ?? throw new InvalidJobSpecException([$"lines[{number}]: is null; write one JSON object per line."]);
        }
        catch (JsonException e)
        {
            throw new InvalidJobSpecException([$"lines[{number}].{Apis.RequestBodyProblems.Json(e)}"]);
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
