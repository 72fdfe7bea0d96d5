using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Apis;

namespace TurboDiffusion.Gateway.Tests.Apis;

public sealed class PagingTests
{
    [Fact]
    public void A_request_without_a_limit_or_cursor_reads_the_first_page_at_the_listings_default_size()
    {
        var problems = new List<string>();

        var window = Paging.Batches.Window(new PageRequest(), problems);

        Assert.Empty(problems);
        Assert.Equal(new PageWindow(Paging.Batches.DefaultLimit, 0), window);
    }

    [Fact]
    public void A_cursor_is_the_position_the_previous_page_handed_out()
    {
        var problems = new List<string>();

        var window = Paging.Jobs.Window(new PageRequest(10, Paging.CursorAt(1_700_000_000_123)), problems);

        Assert.Empty(problems);
        Assert.Equal(new PageWindow(10, 1_700_000_000_123), window);
        Assert.Null(Paging.CursorAt(null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void A_limit_outside_the_listings_range_is_a_problem_naming_the_range_and_what_is_listed(int limit)
    {
        var problems = new List<string>();

        Paging.Batches.Window(new PageRequest(limit), problems);

        Assert.Equal($"limit: {limit} is outside 1 to 100; ask for fewer batches per page.", Assert.Single(problems));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void A_cursor_that_no_page_handed_out_is_a_problem(string cursor)
    {
        var problems = new List<string>();

        Paging.BatchJobs.Window(new PageRequest(Cursor: cursor), problems);

        Assert.Equal($"cursor: '{cursor}' is not a cursor; pass the nextCursor of the previous page.", Assert.Single(problems));
    }
}
