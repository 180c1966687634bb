using System.Text.Json;
using Fleet.Shared.Campaigns;

namespace Fleet.Cloud.Cli;

/// <summary>The files of a campaign folder as one multipart body: campaign.json, its template and every listed asset that exists.</summary>
public static class CampaignFolder
{
    /// <param name="progress">Given the body's size, a progress reporter for the upload (null: none).</param>
    public static MultipartFormDataContent Multipart(string dir, Func<long, UploadProgress?>? progress = null)
    {
        var root = Path.GetFullPath(dir);
        var specPath = Path.Combine(root, CampaignLoader.FileName);
        if (!File.Exists(specPath)) throw new FleetException($"{dir}: no {CampaignLoader.FileName} in the campaign folder");
        var files = new List<string> { CampaignLoader.FileName };
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(specPath));
            files.Add(doc.RootElement.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "template.json");
            if (doc.RootElement.TryGetProperty("assets", out var assets) && assets.ValueKind == JsonValueKind.Array)
                files.AddRange(assets.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object && x.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String)
                    .Select(x => x.GetProperty("path").GetString()!));
        }
        catch (JsonException)
        {
            // The server reports the exact problem; upload what there is.
        }
        // Missing or escaping paths are not sent; the server names the missing asset precisely.
        var sent = files.Distinct().Select(rel => Path.GetFullPath(Path.Combine(root, rel)))
            .Where(full => full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full)).ToList();
        var reporter = progress?.Invoke(sent.Sum(f => new FileInfo(f).Length));
        var content = new MultipartFormDataContent();
        foreach (var full in sent)
        {
            Stream file = File.OpenRead(full);
            content.Add(new StreamContent(reporter?.Wrap(file) ?? file), "file", Path.GetRelativePath(root, full).Replace('\\', '/'));
        }
        return content;
    }
}
