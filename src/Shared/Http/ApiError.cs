namespace Fleet.Shared.Http;

/// <summary>The one error shape of every Fleet HTTP API (the cloud's and a device's local API): <c>{"error": "one line"}</c>.</summary>
public sealed record ApiError(string Error);
