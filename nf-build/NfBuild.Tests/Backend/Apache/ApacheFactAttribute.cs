using NfBuild.Backend.Apache;
using Xunit;

namespace NfBuild.Tests.Backend.Apache;

/// <summary>
/// [Fact] that needs Debian's apache2: skipped with the reason when it is missing, EXCEPT under CI=true (where
/// .ci/run installs it), so CI can never pass by skipping the firmware-server tests.
/// </summary>
public sealed class ApacheFactAttribute : FactAttribute
{
    public ApacheFactAttribute()
    {
        if (!ApacheServer.IsInstalled() && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = "needs Apache: " + ApacheServer.NotInstalledMessage;
    }
}
