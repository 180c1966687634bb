using System.Text.Json;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.Shared.Devices;
using Fleet.Shared.Ids;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tests.Ids;

/// <summary>Device and campaign ids: one grammar each, a one-line refusal naming the kind and the value, and plain strings in JSON.</summary>
public sealed class FleetIdTests
{
    private sealed record Holder(DeviceId Device, CampaignId? Campaign, Dictionary<DeviceId, int> Counts);

    private sealed record PlainHolder(string Device, string? Campaign, Dictionary<string, int> Counts);

    [Theory]
    [InlineData("kiosk-1")]
    [InlineData("0")]
    [InlineData("lobby.screen_2")]
    [InlineData("dev-0123456789ab")]
    public void A_device_id_of_the_grammar_parses_and_is_its_text(string text)
    {
        var id = DeviceId.Parse(text);
        Assert.Equal(text, id.Value);
        Assert.Equal(text, id.ToString());
        Assert.True(DeviceId.TryParse(text, out var again));
        Assert.Equal(id, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Kiosk-1")]
    [InlineData("-kiosk")]
    [InlineData(".hidden")]
    [InlineData("kiosk/1")]
    [InlineData("kiosk 1")]
    [InlineData("kiosk-1\n")]
    public void Text_outside_the_device_grammar_is_refused_with_one_line_naming_the_kind_and_the_value(string text)
    {
        var e = Assert.Throws<FormatException>(() => DeviceId.Parse(text));
        Assert.Equal($"device id '{text}' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit", e.Message);
        Assert.False(DeviceId.TryParse(text, out var none));
        Assert.Equal(default, none);
    }

    [Fact]
    public void A_device_id_has_at_most_63_characters()
    {
        Assert.True(DeviceId.TryParse(new string('a', 63), out _));
        Assert.False(DeviceId.TryParse(new string('a', 64), out _));
        Assert.False(DeviceId.TryParse(null, out _));
    }

    [Theory]
    [InlineData("spring-sale")]
    [InlineData("c1")]
    [InlineData("2026")]
    public void A_campaign_id_of_the_schema_pattern_parses(string text) => Assert.Equal(text, CampaignId.Parse(text).Value);

    [Theory]
    [InlineData("spring_sale")]
    [InlineData("a.b")]
    [InlineData("..")]
    [InlineData("Spring")]
    [InlineData("-sale")]
    [InlineData("")]
    [InlineData("spring\n")]
    public void Text_outside_the_campaign_grammar_is_refused_with_one_line_naming_the_kind_and_the_value(string text)
    {
        var e = Assert.Throws<FormatException>(() => CampaignId.Parse(text));
        Assert.Equal($"campaign id '{text}' is invalid: use 1-64 of a-z 0-9 - starting with a letter or digit", e.Message);
        Assert.False(CampaignId.TryParse(text, out _));
    }

    [Fact]
    public void A_campaign_id_has_at_most_64_characters()
    {
        Assert.True(CampaignId.TryParse(new string('a', 64), out _));
        Assert.False(CampaignId.TryParse(new string('a', 65), out _));
    }

    [Fact]
    public void In_json_an_id_is_byte_for_byte_the_plain_string_as_value_as_nullable_and_as_key()
    {
        var typed = new Holder(DeviceId.Parse("kiosk-1"), CampaignId.Parse("spring-sale"), new() { [DeviceId.Parse("kiosk-2")] = 3 });
        var plain = new PlainHolder("kiosk-1", "spring-sale", new() { ["kiosk-2"] = 3 });
        var json = JsonSerializer.Serialize(typed, FleetJson.Options);
        Assert.Equal(JsonSerializer.Serialize(plain, FleetJson.Options), json);
        Assert.Equal(typed.Device, JsonSerializer.Deserialize<Holder>(json, FleetJson.Options)!.Device);
        Assert.Equal(typed.Campaign, JsonSerializer.Deserialize<Holder>(json, FleetJson.Options)!.Campaign);
        Assert.Equal(3, JsonSerializer.Deserialize<Holder>(json, FleetJson.Options)!.Counts[DeviceId.Parse("kiosk-2")]);
        Assert.Equal("\"kiosk-1\"", JsonSerializer.Serialize(DeviceId.Parse("kiosk-1")));
        Assert.Equal(JsonSerializer.Serialize(new PlainHolder("kiosk-1", null, []), FleetJson.Options),
            JsonSerializer.Serialize(new Holder(DeviceId.Parse("kiosk-1"), null, []), FleetJson.Options));
    }

    [Fact]
    public void Json_that_is_no_id_of_the_kind_is_refused_with_the_kinds_line()
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DeviceId>("\"Kiosk 1\""));
        Assert.Equal("device id 'Kiosk 1' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit", e.Message);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CampaignId>("42"));
    }

    [Fact]
    public void An_id_kind_is_known_by_its_type_where_only_the_type_is_at_hand()
    {
        Assert.True(FleetIds.IsIdKind(typeof(DeviceId)));
        Assert.True(FleetIds.IsIdKind(typeof(CampaignId?)));
        Assert.False(FleetIds.IsIdKind(typeof(string)));
        Assert.Equal("device id 'X' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit", FleetIds.Invalid(typeof(DeviceId?), "X"));
        Assert.Null(FleetIds.Invalid(typeof(CampaignId), "c1"));
        Assert.Null(FleetIds.Invalid(typeof(int), "X"));
    }

    [Fact]
    public void On_a_command_line_a_bad_id_is_a_usage_error_with_the_kinds_line()
    {
        Assert.Equal("kiosk-1", IdArguments.Parse<DeviceId>("kiosk-1").Value);
        var e = Assert.Throws<UsageException>(() => IdArguments.Parse<CampaignId>("Spring"));
        Assert.Equal("campaign id 'Spring' is invalid: use 1-64 of a-z 0-9 - starting with a letter or digit", e.Message);
    }
}
