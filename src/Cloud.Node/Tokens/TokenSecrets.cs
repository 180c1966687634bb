using System.Security.Cryptography;
using System.Text;

namespace Fleet.Cloud.Tokens;

/// <summary>Fresh bearer secrets and the one-way hash under which they are stored and looked up.</summary>
public static class TokenSecrets
{
    public static string NewToken(string role) => $"fl{role[0]}_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public static string NewId() => "tok-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
