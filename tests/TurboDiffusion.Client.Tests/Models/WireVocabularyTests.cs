using System.Text.Json;
using System.Text.Json.Serialization;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Client.Tests.Models;

public sealed class WireVocabularyTests
{
    [Fact]
    public void The_wire_names_are_the_ones_the_api_has_always_used()
    {
        Assert.Equal(["144p", "480p", "720p"], WireNames.All<JobResolution>());
        Assert.Equal(["16:9", "9:16", "1:1", "4:3", "3:4"], WireNames.All<JobAspectRatio>());
        Assert.Equal(["queued", "leased", "running", "uploading", "succeeded", "failed", "canceled", "expired", "held"], WireNames.All<JobStatus>());
        Assert.Equal(["loading_model", "encoding_text", "encoding_image", "denoising", "decoding", "writing", "uploading"], WireNames.All<JobStage>());
        Assert.Equal(["low", "normal", "high", "urgent"], WireNames.All<JobPriority>());
    }

    [Fact]
    public void Every_member_of_every_wire_enum_writes_its_name_and_reads_back()
    {
        AssertRoundTrips<JobResolution>();
        AssertRoundTrips<JobAspectRatio>();
        AssertRoundTrips<JobStatus>();
        AssertRoundTrips<JobStage>();
        AssertRoundTrips<JobPriority>();
    }

    [Fact]
    public void A_name_outside_the_vocabulary_is_refused_naming_it_the_field_and_the_names_to_use()
    {
        var error = Assert.Throws<WireValueException>(() => JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "resolution": "1080p"}""", TurboJson.Options));
        var aspect = Assert.Throws<WireValueException>(() => JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "aspectRatio": "2:1"}""", TurboJson.Options));
        var number = Assert.Throws<WireValueException>(() => JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "resolution": 1}""", TurboJson.Options));

        Assert.Equal("'1080p' is not a resolution; use 144p, 480p or 720p.", error.Message);
        Assert.Equal("$.resolution", error.Path);
        Assert.Equal("'2:1' is not an aspect ratio; use 16:9, 9:16, 1:1, 4:3 or 3:4.", aspect.Message);
        Assert.Equal("1 is not a resolution; use 144p, 480p or 720p.", number.Message);
    }

    [Fact]
    public void Names_are_read_in_any_case()
    {
        var request = JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "resolution": "720P", "priority": "Urgent"}""", TurboJson.Options)!;

        Assert.Equal(JobResolution.P720, request.Resolution);
        Assert.Equal(JobPriority.Urgent, request.Priority);
    }

    [Fact]
    public void Status_and_priority_still_read_the_numbers_rest_answers_carried_but_only_of_members()
    {
        var request = JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "priority": 2}""", TurboJson.Options)!;
        var digits = JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "priority": "3"}""", TurboJson.Options)!;
        var unknown = Assert.Throws<WireValueException>(() => JsonSerializer.Deserialize<JobRequest>("""{"prompt": "p", "priority": 7}""", TurboJson.Options));

        Assert.Equal(JobPriority.High, request.Priority);
        Assert.Equal(JobPriority.Urgent, digits.Priority);
        Assert.Equal("7 is not a priority; use low, normal, high or urgent.", unknown.Message);
        Assert.True(WireNames.TryParse<JobStatus>("4", out var status));
        Assert.Equal(JobStatus.Succeeded, status);
        Assert.False(WireNames.TryParse<JobStage>("3", out _));
    }

    [Fact]
    public void A_number_that_is_no_member_cannot_be_written_and_the_error_names_its_type_and_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WireNames.Of((JobStage)99));

        Assert.Contains("TurboDiffusion.Client.Models.JobStage value '99' has no wire name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_enum_outside_the_vocabulary_or_a_member_without_a_name_fails_on_first_use_naming_it()
    {
        var foreign = Assert.Throws<InvalidOperationException>(() => WireNames.Of(DayOfWeek.Monday));
        var unnamed = Assert.Throws<InvalidOperationException>(() => WireNames.Of(HalfNamed.Named));
        var twice = Assert.Throws<InvalidOperationException>(() => WireNames.All<SameNameTwice>());

        Assert.Contains("System.DayOfWeek is not part of the wire vocabulary", foreign.Message, StringComparison.Ordinal);
        Assert.False(WireNames.TryGetAll(typeof(DayOfWeek), out _));
        Assert.True(WireNames.TryGetAll(typeof(JobStage), out var stages));
        Assert.Equal(WireNames.All<JobStage>(), stages);
        Assert.Contains("HalfNamed.Unnamed has no wire name", unnamed.Message, StringComparison.Ordinal);
        Assert.Contains("SameNameTwice.Second has the wire name 'A'", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_farm_view_of_a_job_carries_its_vocabulary_by_name()
    {
        var view = new JobView
        {
            Id = "job_1", Tenant = "t", Status = JobStatus.Running, Prompt = "p", Model = "tiny", Resolution = JobResolution.P480,
            AspectRatio = JobAspectRatio.Portrait9x16, Frames = 81, Steps = 4, Seed = 0, Priority = JobPriority.Normal, Pool = "default",
            Timings = new TimingsView(default, default, null, null, null, null),
        };

        var json = JsonSerializer.Serialize(view, TurboJson.Options);

        Assert.Contains("\"status\":\"running\"", json, StringComparison.Ordinal);
        Assert.Contains("\"resolution\":\"480p\"", json, StringComparison.Ordinal);
        Assert.Contains("\"aspectRatio\":\"9:16\"", json, StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"normal\"", json, StringComparison.Ordinal);
    }

    private static void AssertRoundTrips<T>()
        where T : struct, Enum
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in Enum.GetValues<T>())
        {
            var name = WireNames.Of(value);
            Assert.True(names.Add(name), $"{typeof(T).Name}.{value}: '{name}' is taken");
            Assert.True(WireNames.TryParse<T>(name, out var parsed));
            Assert.Equal(value, parsed);

            // Default options too: REST answers are written by ASP.NET's serializer, not with TurboJson.
            foreach (var options in new[] { TurboJson.Options, JsonSerializerOptions.Default })
            {
                var json = JsonSerializer.Serialize(value, options);
                Assert.Equal($"\"{name}\"", json);
                Assert.Equal(value, JsonSerializer.Deserialize<T>(json, options));
            }
        }
    }

    [WireEnum("test value")]
    private enum HalfNamed
    {
        [JsonStringEnumMemberName("named")]
        Named,
        Unnamed,
    }

    [WireEnum("test value")]
    private enum SameNameTwice
    {
        [JsonStringEnumMemberName("a")]
        First,

        [JsonStringEnumMemberName("A")]
        Second,
    }
}
