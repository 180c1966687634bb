using System.Diagnostics.Metrics;
using Fleet.Cloud.Telemetry;

namespace Fleet.Cloud.Gateway;

/// <summary>What a gateway reports at <c>/metrics</c>: devices connected now, and streams refused at the door.</summary>
public static class GatewayMetrics
{
    public const string MeterName = CloudMetrics.MeterName + ".Gateway";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static int _connected;
    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("fleet_gateway_streams_refused", description: "device streams refused, by reason");

    static GatewayMetrics() =>
        Meter.CreateObservableGauge("fleet_gateway_devices_connected", () => Volatile.Read(ref _connected), description: "devices with an open stream on this gateway");

    public static void Connected(int count) => Volatile.Write(ref _connected, count);

    public static void Refused(string reason) => Refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
