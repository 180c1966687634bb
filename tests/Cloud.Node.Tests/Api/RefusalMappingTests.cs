using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Commands;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Cloud.Node.Tests.Api;

/// <summary>Every refusal code has exactly one HTTP answer, chosen in one place.</summary>
public sealed class RefusalMappingTests
{
    public static TheoryData<RefusalCode> Codes() => new(Enum.GetValues<RefusalCode>());

    /// <summary>Fails for a code added to the enum without a status in <see cref="ApiResults.StatusOf"/> (it throws).</summary>
    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_refusal_code_maps_to_an_error_status(RefusalCode code)
    {
        var status = ApiResults.StatusOf(code);
        Assert.InRange(status, 400, 599);
    }

    [Theory]
    [InlineData(RefusalCode.Invalid, 400)]
    [InlineData(RefusalCode.Forbidden, 403)]
    [InlineData(RefusalCode.NotAllowed, 403)]
    [InlineData(RefusalCode.NotFound, 404)]
    [InlineData(RefusalCode.Conflict, 409)]
    [InlineData(RefusalCode.Gone, 410)]
    [InlineData(RefusalCode.Budget, 429)]
    [InlineData(RefusalCode.DeviceQuota, 429)]
    [InlineData(RefusalCode.Unavailable, 503)]
    public void The_statuses_are_the_ones_the_api_always_answered(RefusalCode code, int status) =>
        Assert.Equal(status, ApiResults.StatusOf(code));

    [Fact]
    public void Every_code_is_pinned_by_the_status_table_above()
    {
        var pinned = typeof(RefusalMappingTests).GetMethod(nameof(The_statuses_are_the_ones_the_api_always_answered))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (RefusalCode)a.GetData(null!).Single()[0]).ToHashSet();
        Assert.Equal(Enum.GetValues<RefusalCode>().ToHashSet(), pinned);
    }

    [Fact]
    public void An_undefined_code_is_not_silently_given_a_status() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiResults.StatusOf((RefusalCode)999));

    [Fact]
    public async Task The_answer_carries_the_reason_line_and_on_request_the_code_name()
    {
        var plain = await Write(ApiResults.Refusal(new Refused(RefusalCode.DeviceQuota, "device kiosk-1 already has 2"), prefix: "hybrid: "));
        Assert.Equal((429, "hybrid: device kiosk-1 already has 2", false), (plain.Status, plain.Body.GetProperty("error").GetString(), plain.Body.TryGetProperty("reason", out _)));
        var coded = await Write(ApiResults.Refusal(new Refused(RefusalCode.DeviceQuota, "over"), withReason: true));
        Assert.Equal((429, "device-quota"), (coded.Status, coded.Body.GetProperty("reason").GetString()));
    }

    private static async Task<(int Status, JsonElement Body)> Write(IResult result)
    {
        var ctx = new DefaultHttpContext
        {
            Response = { Body = new MemoryStream() },
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        await result.ExecuteAsync(ctx);
        ctx.Response.Body.Position = 0;
        return (ctx.Response.StatusCode, JsonDocument.Parse(ctx.Response.Body).RootElement.Clone());
    }
}
