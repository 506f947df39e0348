using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NodaTime;

namespace RentalApi.Tests;

public sealed class RentalApiTests
{
    [Fact]
    public async Task A_rental_ended_during_a_payment_outage_is_accepted_frozen_and_settled_by_the_hosted_reconciler_after_recovery()
    {
        await using var api = await RentalApiHost.StartAsync();
        var token = await api.StartRentalAsync("r-1");

        api.Clock.Advance(Duration.FromMinutes(10));
        using (var down = await api.PostAsync("/admin/outages/payment/down"))
        {
            Assert.Equal(HttpStatusCode.OK, down.StatusCode);
        }

        var health = await api.GetJsonAsync("/health");
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal("payment-1", health.GetProperty("payment").GetProperty("outageId").GetString());
        Assert.Equal("demo: admin endpoint", health.GetProperty("payment").GetProperty("reason").GetString());

        // The rider ends 30 minutes into the outage: accepted although payment is down.
        api.Clock.Advance(Duration.FromMinutes(30));
        var endedAt = api.Now;
        using (var end = await api.PostAsync("/rentals/r-1/end", new { at = endedAt, source = "rider", rentalToken = token }))
        {
            Assert.Equal(HttpStatusCode.Accepted, end.StatusCode);
            var receipt = await end.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(endedAt, receipt.GetProperty("end").GetString());
            Assert.False(receipt.GetProperty("duplicate").GetBoolean());
        }

        var pending = await api.GetJsonAsync("/rentals/r-1");
        Assert.Equal("pendingSettlement", pending.GetProperty("status").GetString());
        Assert.Equal(600, pending.GetProperty("billableSeconds").GetDouble());
        Assert.Equal(1800, pending.GetProperty("frozenSeconds").GetDouble());
        Assert.Equal("2800", pending.GetProperty("charge").GetProperty("amount").GetString());
        Assert.Equal("KRW", pending.GetProperty("charge").GetProperty("currency").GetString());
        var frozen = Assert.Single(pending.GetProperty("frozenIntervals").EnumerateArray());
        Assert.Equal("payment-1", frozen.GetProperty("outageId").GetString());
        Assert.Equal("payment", frozen.GetProperty("dependency").GetString());
        Assert.Equal(2, pending.GetProperty("lineItems").GetArrayLength());

        // A naive system would still be billing: 40 minutes and counting.
        Assert.Equal(1000 + (180 * 40), pending.GetProperty("naiveCharge").GetProperty("minorUnits").GetInt64());
        Assert.Equal("0", pending.GetProperty("money").GetProperty("taken").GetProperty("amount").GetString());

        using (var up = await api.PostAsync("/admin/outages/payment/up"))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        var settled = await EventuallyAsync(api, "/rentals/r-1", s => s.GetProperty("status").GetString() == "settled");
        Assert.Equal("2800", settled.GetProperty("money").GetProperty("taken").GetProperty("amount").GetString());
        Assert.Equal(1800, settled.GetProperty("frozenSeconds").GetDouble());
        Assert.Equal("ok", (await api.GetJsonAsync("/health")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("payment", "paymentUnavailable", "payment-1")]
    [InlineData("identity", "identityUnavailable", "identity-1")]
    public async Task A_start_during_an_outage_is_refused_with_503_and_the_reason(string dependency, string reason, string outageId)
    {
        await using var api = await RentalApiHost.StartAsync();
        (await api.PostAsync($"/admin/outages/{dependency}/down")).Dispose();

        using var response = await api.PostAsync("/rentals", new { rentalId = "r-1", riderId = "u-1", planId = "kickboard" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Equal(outageId, problem.GetProperty("outageId").GetString());

        // Nothing was started: once the backend is back, the same rental starts.
        (await api.PostAsync($"/admin/outages/{dependency}/up")).Dispose();
        await api.StartRentalAsync("r-1");
    }

    [Fact]
    public async Task Bad_start_input_is_a_400_problem_naming_each_field_with_its_code()
    {
        await using var api = await RentalApiHost.StartAsync();

        using var response = await api.PostAsync("/rentals", new { rentalId = "has space", riderId = "", planId = "kickboard" });

        var problem = await AssertValidationProblemAsync(response);
        Assert.Equal(["rentalId", "riderId"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("has space", problem.GetProperty("errors").GetProperty("rentalId")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("BILLING_RENTAL_ID_INVALID", problem.GetProperty("codes").GetProperty("rentalId")[0].GetString());
        Assert.Equal("BILLING_RIDER_ID_INVALID", problem.GetProperty("codes").GetProperty("riderId")[0].GetString());
    }

    [Fact]
    public async Task An_unknown_plan_is_a_400_problem_on_planId()
    {
        await using var api = await RentalApiHost.StartAsync();

        using var response = await api.PostAsync("/rentals", new { rentalId = "r-1", riderId = "u-1", planId = "rocket" });

        var problem = await AssertValidationProblemAsync(response);
        Assert.Equal("BILLING_PLAN_UNKNOWN", problem.GetProperty("codes").GetProperty("planId")[0].GetString());
    }

    [Fact]
    public async Task Bad_end_input_is_a_400_problem_naming_at_and_source()
    {
        await using var api = await RentalApiHost.StartAsync();
        await api.StartRentalAsync("r-1");

        using var response = await api.PostAsync("/rentals/r-1/end", new { at = "yesterday", source = "phone" });

        var problem = await AssertValidationProblemAsync(response);
        Assert.Equal(["at", "source"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_end_signal_from_the_future_is_kept_but_does_not_count_and_says_why()
    {
        await using var api = await RentalApiHost.StartAsync();
        await api.StartRentalAsync("r-1");
        api.Clock.Advance(Duration.FromMinutes(5));
        var future = NodaTime.Text.InstantPattern.ExtendedIso.Format(api.Clock.GetCurrentInstant() + Duration.FromMinutes(10));

        using var response = await api.PostAsync("/rentals/r-1/end", new { at = future, source = "vehicle" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("end").ValueKind);
        Assert.Equal("inFuture", receipt.GetProperty("rejection").GetString());
        var statement = await api.GetJsonAsync("/rentals/r-1");
        Assert.Equal("open", statement.GetProperty("status").GetString());
        Assert.Equal("inFuture", Assert.Single(statement.GetProperty("rejectedSignals").EnumerateArray()).GetProperty("rejection").GetString());
    }

    [Fact]
    public async Task A_rider_end_without_the_token_is_a_400_and_with_a_wrong_token_a_403()
    {
        await using var api = await RentalApiHost.StartAsync();
        await api.StartRentalAsync("r-1");
        var other = await api.StartRentalAsync("r-2");

        using (var missing = await api.PostAsync("/rentals/r-1/end", new { at = api.Now, source = "rider" }))
        {
            var problem = await AssertValidationProblemAsync(missing);
            Assert.Equal("BILLING_END_SIGNAL_TOKEN_REQUIRED", problem.GetProperty("codes").GetProperty("rentalToken")[0].GetString());
        }

        using var wrong = await api.PostAsync("/rentals/r-1/end", new { at = api.Now, source = "rider", rentalToken = other });
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("rentalTokenRejected", (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        await using var api = await RentalApiHost.StartAsync();

        using var response = await api.Client.PostAsync("/rentals", new StringContent("{\"rentalId\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Another_rental_with_the_same_id_is_a_409_and_a_retried_start_is_answered_as_before()
    {
        await using var api = await RentalApiHost.StartAsync();
        var token = await api.StartRentalAsync("r-1", rider: "u-1");

        Assert.Equal(token, await api.StartRentalAsync("r-1", rider: "u-1"));
        using var response = await api.PostAsync("/rentals", new { rentalId = "r-1", riderId = "u-2", planId = "kickboard" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("duplicateRental", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Distance_is_billed_per_started_kilometre_and_unknown_rentals_are_404()
    {
        await using var api = await RentalApiHost.StartAsync();
        await api.StartRentalAsync("m-1", plan: "moped");
        api.Clock.Advance(Duration.FromMinutes(4));

        using (var distance = await api.PostAsync("/rentals/m-1/distance", new { at = api.Now, kilometres = 2.5m }))
        {
            Assert.Equal(HttpStatusCode.Accepted, distance.StatusCode);
        }

        api.Clock.Advance(Duration.FromMinutes(1));

        using (var end = await api.PostAsync("/rentals/m-1/end", new { at = api.Now, source = "vehicle" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, end.StatusCode);
        }

        var statement = await EventuallyAsync(api, "/rentals/m-1", s => s.GetProperty("status").GetString() == "settled");
        Assert.Equal(2.5m, statement.GetProperty("billableKilometres").GetDecimal());
        Assert.Equal(1500 + (120 * 5) + (200 * 3), statement.GetProperty("charge").GetProperty("minorUnits").GetInt64());

        using var unknown = await api.PostAsync("/rentals/nope/distance", new { at = api.Now, kilometres = 1m });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var missing = await api.Client.GetAsync("/rentals/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<JsonElement> AssertValidationProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        return problem;
    }

    private static async Task<JsonElement> EventuallyAsync(RentalApiHost api, string path, Func<JsonElement, bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var body = await api.GetJsonAsync(path);
            if (condition(body))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < until, $"Timed out waiting on {path}: {body}");
            await Task.Delay(20);
        }
    }
}
