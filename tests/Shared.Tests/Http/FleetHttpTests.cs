using System.Net;
using Fleet.Shared.Http;
using Fleet.Shared.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Shared.Tests.Http;

/// <summary>Fleet's HTTP pipeline against a real HTTP server on loopback: what is retried, what is sent once.</summary>
public sealed class FleetHttpTests
{
    private static readonly FleetHttpClient Client = new("fleet-test", TimeSpan.FromSeconds(30));

    /// <summary>Request 1 is answered 503 (as a control node taking over answers), every later one 200 "ok".</summary>
    private static TestHttpServer UnavailableOnce(string? retryAfter = null) => new(async (s, ctx, n) =>
    {
        if (n == 1)
        {
            ctx.Response.StatusCode = 503;
            if (retryAfter is not null) ctx.Response.Headers["Retry-After"] = retryAfter;
            ctx.Response.Close();
            return;
        }
        await s.ServeAsync(ctx, "ok"u8.ToArray());
    });

    [Fact]
    public async Task A_GET_answered_503_is_tried_again_and_gets_the_200()
    {
        await using var server = UnavailableOnce();
        using var http = FleetHttp.Create(Client);

        using var answer = await http.GetAsync(server.BaseUrl + "status");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("ok", await answer.Content.ReadAsStringAsync());
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task A_client_from_IHttpClientFactory_has_the_same_pipeline()
    {
        await using var server = UnavailableOnce(retryAfter: "1");
        await using var services = new ServiceCollection().AddFleetHttpClient(Client).Services.BuildServiceProvider();
        using var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(Client.Name);

        using var answer = await http.GetAsync(server.BaseUrl + "status");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(2, server.Requests);
        Assert.Equal(Client.Timeout, http.Timeout);
    }

    [Fact]
    public async Task A_POST_is_sent_once_even_when_the_answer_is_transient()
    {
        await using var server = UnavailableOnce();
        using var http = FleetHttp.Create(Client);

        using var answer = await http.PostAsync(server.BaseUrl + "jobs", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_backoff_allows_is_passed_on_not_waited_for()
    {
        await using var server = UnavailableOnce(retryAfter: "60");
        using var http = FleetHttp.Create(Client);

        using var answer = await http.GetAsync(server.BaseUrl + "status");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), FleetHttp.RetryAfter(answer));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task An_attempt_that_hangs_past_its_timeout_is_tried_again()
    {
        var release = new TaskCompletionSource();
        await using var server = new TestHttpServer(async (s, ctx, n) =>
        {
            if (n == 1) await release.Task; // never answered while the test runs
            await s.ServeAsync(ctx, "ok"u8.ToArray());
        });
        using var http = FleetHttp.Create(Client with { AttemptTimeout = TimeSpan.FromSeconds(2) });

        try
        {
            using var answer = await http.GetAsync(server.BaseUrl + "manifest");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(2, server.Requests);
        }
        finally
        {
            release.SetResult();
        }
    }
}
