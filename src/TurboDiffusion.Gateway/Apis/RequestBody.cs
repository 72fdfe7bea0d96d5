using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Gateway.Apis;

/// <summary>Reads request bodies under a size limit; malformed JSON becomes a problem naming the field.</summary>
internal static class RequestBody
{
    public static void Limit(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }
    }

    public static async Task<T> ReadJsonAsync<T>(HttpContext context, long maxBytes)
    {
        Limit(context, maxBytes);
        if (context.Request.ContentLength is > 0 and var length && length > maxBytes)
        {
            throw new BadHttpRequestException($"The body has {length} bytes; at most {maxBytes} are accepted here.", StatusCodes.Status413PayloadTooLarge);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, TurboJson.Options, context.RequestAborted)
                ?? throw new InvalidJobSpecException(["body: is null; send a JSON object."]);
        }
        catch (JsonException e)
        {
            throw new InvalidJobSpecException([RequestBodyProblems.Json(e)]);
        }
    }
}

/// <summary>
/// How a JSON error reads in a problem: "frames: ..." for a wrong value at $.frames; "body: ..." when the JSON itself is
/// broken; a value outside the vocabulary names itself and the names to use ("resolution: '1080p' is not a resolution; ...").
/// </summary>
internal static class RequestBodyProblems
{
    public static string Json(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        if (e is WireValueException)
        {
            return $"{field}: {e.Message}";
        }

        var where = e.BytePositionInLine is { } column ? $" (byte {column + 1})" : "";
        return $"{field}: is not valid JSON for this field{where}: {FirstSentence(e.Message)}";
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
