using System.Globalization;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Apis;

/// <summary>
/// How one listing pages: its page size when a <see cref="PageRequest"/> names none, the most it serves at once, and
/// what it lists (for problems). A cursor is a position in the listing, written in decimal; clients pass it back as is.
/// </summary>
public sealed record Paging(int DefaultLimit, int MaxLimit, string Items)
{
    public static readonly Paging Jobs = new(50, JobQuery.MaxLimit, "jobs");
    public static readonly Paging Batches = new(20, 100, "batches");
    public static readonly Paging BatchJobs = new(100, JobQuery.MaxLimit, "jobs");

    /// <summary>The window <paramref name="request"/> asks for; a bad limit or cursor adds a problem naming it and the fix.</summary>
    public PageWindow Window(PageRequest request, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(problems);
        var limit = request.Limit ?? DefaultLimit;
        if (limit < 1 || limit > MaxLimit)
        {
            problems.Add($"limit: {limit} is outside 1 to {MaxLimit}; ask for fewer {Items} per page.");
        }

        long position = 0;
        if (request.Cursor is { } cursor && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out position))
        {
            problems.Add($"cursor: '{cursor}' is not a cursor; pass the nextCursor of the previous page.");
        }

        return new PageWindow(limit, position);
    }

    /// <summary>The cursor of the page that starts at <paramref name="position"/>; null when there is none.</summary>
    public static string? CursorAt(long? position) => position?.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A checked page: at most <paramref name="Limit"/> items from <paramref name="Position"/> on.</summary>
public readonly record struct PageWindow(int Limit, long Position);
