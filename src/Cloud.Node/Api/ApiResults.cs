using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Api;

/// <summary>Every API answer is Fleet JSON; every error is <c>{"error": "one line"}</c>.</summary>
public static class ApiResults
{
    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, FleetJson.Options, statusCode: status);

    public static IResult Created(object value) => Results.Json(value, FleetJson.Options, statusCode: StatusCodes.Status201Created);

    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), FleetJson.Options, statusCode: status);

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static IResult Forbidden(string message) => Error(StatusCodes.Status403Forbidden, message);

    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, message);
}

public sealed record ApiError(string Error);
