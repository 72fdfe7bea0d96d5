using System.Net.Http.Json;
using System.Text;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Dashboard;

/// <summary>
/// The dashboard in Debian's headless Chromium (driven by Debian's chromedriver): it loads, shows the worker, follows a
/// submitted job to done, plays its video (from ffmpeg and from the built-in encoder), and shows a batch's progress.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    private GatewayHost? host;
    private ChromeDriver? browser;

    private GatewayHost Host => host!;

    private ChromeDriver Browser => browser!;

    public ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
        {
            throw new InvalidOperationException($"The dashboard test needs Debian's chromium and chromedriver ({Chromium}, {ChromeDriver}): apt-get install chromium chromium-driver (or run .ci/run).");
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required", "--window-size=1366,900");
        browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        browser?.Quit();
        browser?.Dispose();
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(VideoEncoderPreference.Ffmpeg)]
    [InlineData(VideoEncoderPreference.BuiltIn)]
    public async Task The_dashboard_follows_a_submitted_job_to_done_and_plays_its_video(VideoEncoderPreference encoder)
    {
        await StartHostAsync(encoder);
        using var http = Host.Client("viewer");
        Browser.Navigate().GoToUrl(new Uri(Host.BaseAddress, $"/#key={GatewayHost.KeyOf("viewer")}"));
        Until(() => Browser.FindElement(By.Id("connection")).Text == "live", "the overview stream to connect");
        Until(() => Browser.FindElement(By.Id("workers")).Text.Contains("simulated (no GPU)", StringComparison.Ordinal), "the worker to be listed");

        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a lighthouse beam sweeping fog", Frames = 17, Steps = 4 });
        Until(() => Browser.FindElements(By.CssSelector($"#jobs tr[data-job='{job.Id}']")).Count == 1, "the job to appear in the jobs table");
        // The table is redrawn on every overview event, so a row found a moment ago may be gone when clicked.
        Until(() =>
        {
            Browser.FindElement(By.CssSelector($"#jobs tr[data-job='{job.Id}']")).Click();
            return true;
        }, "the job's row to take a click");
        Until(() => Browser.FindElement(By.Id("detail-step")).Text.StartsWith("denoising", StringComparison.Ordinal), "live step progress in the job detail");
        Until(() => Browser.FindElement(By.Id("detail-status")).Text == "succeeded", "the job to succeed");
        Until(() => Convert.ToInt64(Browser.ExecuteScript("return document.getElementById('detail-video').readyState;"), System.Globalization.CultureInfo.InvariantCulture) >= 2, "the video to load");
        var played = Browser.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            const video = document.getElementById('detail-video');
            video.play().then(() => setTimeout(() => done([video.currentTime, video.videoWidth, video.videoHeight]), 600), e => done(String(e)));
            """);

        var facts = Assert.IsAssignableFrom<IReadOnlyCollection<object>>(played).Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(facts[0] > 0, $"the video did not advance: currentTime {facts[0]}");
        Assert.Equal(256, facts[1]);
        Assert.Equal(144, facts[2]);
        Assert.Contains("rendering", Browser.FindElement(By.Id("detail-timings")).Text, StringComparison.Ordinal);
        Until(() => Browser.FindElement(By.Id("detail-stages")).Text.Contains("denoising", StringComparison.Ordinal), "seconds per engine stage from the sidecar");
        Assert.Contains("succeeded", Browser.FindElement(By.Id("detail-attempts")).Text, StringComparison.Ordinal);
        var sidecar = await http.GetFromJsonAsync<Dictionary<string, object>>($"/v1/jobs/{job.Id}/sidecar", Api.Token);
        Assert.Equal(encoder == VideoEncoderPreference.BuiltIn ? VideoEncoderChoice.BuiltInName : VideoEncoderChoice.FfmpegName, sidecar!["encoder"].ToString());
    }

    [Fact]
    public async Task The_dashboard_shows_a_batch_progressing_to_finished()
    {
        await StartHostAsync(VideoEncoderPreference.Ffmpeg);
        using var http = Host.Client("viewer");
        Browser.Navigate().GoToUrl(new Uri(Host.BaseAddress, $"/#key={GatewayHost.KeyOf("viewer")}"));
        Until(() => Browser.FindElement(By.Id("connection")).Text == "live", "the overview stream to connect");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches")
        {
            Content = new StringContent("""{"prompt": "panel one", "frames": 5, "steps": 1}""" + "\n" + """{"prompt": "panel two", "frames": 5, "steps": 1}""", Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, Api.Token);
        var batch = (await response.Content.ReadFromJsonAsync<BatchView>(TurboJson.Options, Api.Token))!;

        Until(() => Browser.FindElements(By.CssSelector($"#batches [data-batch='{batch.Id}']")).Count == 1, "the batch to appear");
        Until(() => Browser.FindElement(By.CssSelector($"#batches [data-batch='{batch.Id}']")).Text.Contains("2 of 2 finished", StringComparison.Ordinal), "the batch to finish");
    }

    [Fact]
    public async Task The_dashboard_pages_through_a_batchs_jobs_and_back()
    {
        host = await GatewayHost.StartAsync(["viewer"], new SimulatedVideoEngine { Behavior = (_, _) => SimulatedBehavior.Hang });
        using var http = Host.Client("viewer");
        var lines = string.Concat(Enumerable.Range(0, 120).Select(i => $$"""{"prompt": "panel {{i}}", "frames": 5, "steps": 1}""" + "\n"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = new StringContent(lines, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, Api.Token);
        var batch = (await response.Content.ReadFromJsonAsync<BatchView>(TurboJson.Options, Api.Token))!;
        Browser.Navigate().GoToUrl(new Uri(Host.BaseAddress, $"/#key={GatewayHost.KeyOf("viewer")}"));
        Until(() => Browser.FindElement(By.Id("connection")).Text == "live", "the overview stream to connect");

        Browser.FindElement(By.Id("filter-batch")).SendKeys(batch.Id);
        Browser.FindElement(By.CssSelector("#filters button[type='submit']")).Click();
        Until(() => Rows().Count == 50 && Browser.FindElement(By.Id("jobs-older")).Enabled, "the first page of the batch");
        var first = RowsOnce();
        Browser.FindElement(By.Id("jobs-older")).Click();
        Until(() => Browser.FindElement(By.Id("jobs-page")).Text == "page 2" && Rows().Count == 50 && !Rows().Intersect(first).Any(), "the second page");
        Browser.FindElement(By.Id("jobs-older")).Click();
        Until(() => Browser.FindElement(By.Id("jobs-page")).Text == "page 3" && Rows().Count == 20 && !Browser.FindElement(By.Id("jobs-older")).Enabled, "the last page");
        var last = RowsOnce();
        Browser.FindElement(By.Id("jobs-newer")).Click();
        Until(() => Browser.FindElement(By.Id("jobs-page")).Text == "page 2", "the second page again");
        Browser.FindElement(By.Id("jobs-newer")).Click();

        Until(() => Browser.FindElement(By.Id("jobs-page")).Text == "page 1" && Rows().SequenceEqual(first), "the first page again");
        Assert.Empty(last.Intersect(first));
        Assert.False(Browser.FindElement(By.Id("jobs-newer")).Enabled);
    }

    [Fact]
    public async Task On_a_keyless_farm_the_dashboard_cancels_a_job_from_its_own_page()
    {
        host = await GatewayHost.StartAsync([], new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(50), Behavior = (_, _) => SimulatedBehavior.Hang },
            new Dictionary<string, string?> { ["Turbo:Gateway:Anonymous"] = "true" });
        using var http = new HttpClient { BaseAddress = Host.BaseAddress };
        Browser.Navigate().GoToUrl(Host.BaseAddress);
        Until(() => Browser.FindElement(By.Id("connection")).Text == "live", "the overview stream to connect");

        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a render nobody waits for" });
        Until(() =>
        {
            Browser.FindElement(By.CssSelector($"#jobs tr[data-job='{job.Id}']")).Click();
            return true;
        }, "the job's row to take a click");
        Until(() => Browser.FindElement(By.Id("detail-cancel")).Displayed, "the cancel button");
        Browser.FindElement(By.Id("detail-cancel")).Click();

        Until(() => Browser.FindElement(By.Id("detail-status")).Text == "canceled", "the job to be canceled");
        Assert.Equal(JobStatus.Canceled, (await http.WaitForAsync(job.Id, j => j.IsFinished)).Status);
    }

    [Fact]
    public async Task The_dashboard_charts_each_pools_last_hour_and_shows_posters_of_finished_jobs_and_estimates_of_the_others()
    {
        host = await GatewayHost.StartAsync(["viewer"], new Mp4Engine(new SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(100),
            Behavior = (request, _) => request.Prompt == "blocker" ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        }));
        using var http = Host.Client("viewer");
        var done = await http.SubmitOkAsync(new JobRequest { Prompt = "a poster for the table", Frames = 17 });
        await http.WaitForAsync(done.Id, j => j.Status == JobStatus.Succeeded);
        var blocker = await http.SubmitOkAsync(new JobRequest { Prompt = "blocker", Frames = 17 });
        await http.WaitForAsync(blocker.Id, j => j.Status == JobStatus.Running);
        var waiting = await http.SubmitOkAsync(new JobRequest { Prompt = "behind the blocker", Frames = 17 });

        Browser.Navigate().GoToUrl(new Uri(Host.BaseAddress, $"/#key={GatewayHost.KeyOf("viewer")}"));
        Until(() => Browser.FindElement(By.Id("connection")).Text == "live", "the overview stream to connect");
        Until(() => Browser.FindElement(By.CssSelector($"#jobs tr[data-job='{waiting.Id}'] td.estimate")).Text.StartsWith("#1 · starts ~", StringComparison.Ordinal), "the waiting job's place and start");
        var estimate = Browser.FindElement(By.CssSelector($"#jobs tr[data-job='{waiting.Id}'] td.estimate")).Text;
        Until(() => Browser.FindElement(By.CssSelector($"#jobs tr[data-job='{blocker.Id}'] td.estimate")).Text.StartsWith("done ~", StringComparison.Ordinal), "the running job's finish");
        Until(() => Convert.ToInt64(Browser.ExecuteScript($"const img = document.querySelector(\"img.poster[data-job='{done.Id}']\"); return img && img.complete ? img.naturalWidth : 0;"), System.Globalization.CultureInfo.InvariantCulture) == 256, "the finished job's poster");
        // A minute may turn during the test, so the hour's peak is what is certain: one job finished, one queued at once.
        Until(() => Chart("finished") is ("1", > 0) && Chart("depth") is ("1", > 0), "the pool's charts of the last hour");

        Assert.Contains("0 jobs ahead in pool 'default', 1 of 1 worker that can render tiny at 144p busy", estimate, StringComparison.Ordinal);
        Assert.Empty(Browser.FindElements(By.CssSelector($"#jobs tr[data-job='{waiting.Id}'] img.poster")));
    }

    /// <summary>A pool chart's peak over the hour and the points of its line.</summary>
    private (string Peak, int Points) Chart(string series)
    {
        var svg = Browser.FindElement(By.CssSelector($"#pools svg.chart[data-series='{series}']"));
        var points = svg.FindElement(By.TagName("polyline")).GetAttribute("points") ?? "";
        return (svg.GetAttribute("data-peak") ?? "", points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private async Task StartHostAsync(VideoEncoderPreference encoder) =>
        host = await GatewayHost.StartAsync(["viewer"], new Mp4Engine(new SimulatedVideoEngine { StepTime = TimeSpan.FromSeconds(1) }, encoder));

    // In one script, so the rows are read as one snapshot: read one by one, each a round trip to the browser, they are
    // replaced by the live stream's next render part-way on a busy machine, again and again.
    private List<string> Rows() =>
        [.. ((IReadOnlyCollection<object>)((IJavaScriptExecutor)Browser).ExecuteScript("return [...document.querySelectorAll('#jobs tbody tr[data-job]')].map(r => r.dataset.job);")!).Cast<string>()];

    // The live stream re-renders the table at any moment, so a read outside Until can meet rows already replaced.
    private List<string> RowsOnce()
    {
        List<string> rows = [];
        Until(() =>
        {
            rows = Rows();
            return true;
        }, "the job rows to be read");
        return rows;
    }

    private void Until(Func<bool> condition, string what)
    {
        var wait = new WebDriverWait(Browser, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = $"Waited 30 s for {what}." };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        wait.Until(_ => condition());
    }
}
