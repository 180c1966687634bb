using System.Collections.Concurrent;

namespace Fleet.Shared.Speech;

/// <summary>
/// How fast each espeak-ng voice speaks, learned from the lines it has spoken: seconds × rate per character. A line that
/// would overrun its slot can then be spoken at a fitting rate on the first run instead of spoken, measured and spoken
/// again. A wrong guess costs what no guess did: the caller measures the result and speaks again.
/// </summary>
public static class SpeakingPace
{
    private static readonly ConcurrentDictionary<string, double> SecondsTimesRatePerChar = new(StringComparer.Ordinal);

    /// <summary>The seconds <paramref name="text"/> should take at <paramref name="rate"/>; null before the voice spoke once.</summary>
    public static double? Predict(string voice, string text, int rate) =>
        SecondsTimesRatePerChar.TryGetValue(voice, out var pace) && rate > 0 ? pace * Characters(text) / rate : null;

    public static void Learn(string voice, string text, int rate, double seconds)
    {
        if (rate > 0 && seconds > 0) SecondsTimesRatePerChar[voice] = seconds * rate / Characters(text);
    }

    private static int Characters(string text) => Math.Max(1, text.Trim().Length);
}
