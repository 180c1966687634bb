using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Receives a campaign folder as <c>multipart/form-data</c> (one part per file, the part's file name is its path inside
/// the folder) into a private scratch folder, streaming to disk so large assets never sit in memory.
/// </summary>
public sealed class CampaignUpload : IDisposable
{
    public const long MaxBytes = 4L * 1024 * 1024 * 1024;

    private CampaignUpload(string dir) => Directory = dir;

    public string Directory { get; }

    public static async Task<CampaignUpload> ReceiveAsync(HttpRequest request, string scratchRoot, CancellationToken ct)
    {
        // Kestrel's default 30 MB body limit is for ordinary calls; campaign folders carry video.
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new FleetException("send the campaign folder as multipart/form-data, one part per file");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new FleetException("multipart body has no boundary");
        var upload = new CampaignUpload(Path.Combine(scratchRoot, Guid.NewGuid().ToString("N")));
        System.IO.Directory.CreateDirectory(upload.Directory);
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = MaxBytes };
            long total = 0;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd) || !cd.IsFileDisposition())
                    throw new FleetException("every part must be a file (Content-Disposition: form-data; filename=PATH)");
                var relative = HeaderUtilities.RemoveQuotes(cd.FileNameStar.HasValue ? cd.FileNameStar : cd.FileName).Value ?? "";
                var target = upload.PathFor(relative);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await section.Body.CopyToAsync(file, ct);
                total += file.Length;
                if (total > MaxBytes) throw new FleetException($"campaign upload exceeds {MaxBytes / (1024 * 1024)} MiB");
            }
            return upload;
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            upload.Dispose();
            throw new FleetException($"upload failed: {e.Message}");
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    /// <summary>A relative path inside the folder; absolute paths, <c>..</c> and duplicates are refused.</summary>
    private string PathFor(string relative)
    {
        var clean = relative.Replace('\\', '/');
        if (clean.Length == 0 || clean.StartsWith('/') || clean.Split('/').Any(p => p is "" or "." or ".."))
            throw new FleetException($"upload part '{relative}' is not a relative path inside the campaign folder");
        var full = Path.GetFullPath(Path.Combine(Directory, clean));
        if (!full.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new FleetException($"upload part '{relative}' leaves the campaign folder");
        if (File.Exists(full)) throw new FleetException($"upload part '{relative}' is sent twice");
        return full;
    }

    /// <summary>Loader messages name the scratch folder; the operator knows it as their campaign folder.</summary>
    public string Describe(string message) => message.Replace(Directory + Path.DirectorySeparatorChar, "").Replace(Directory, "campaign folder");

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
