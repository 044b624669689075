using Xunit;

namespace Firmware.Portability;

/// <summary>The code the device really compiles passes the guard.</summary>
public class DeviceCodeTests
{
    [Fact]
    public void DeviceCode_StaysInsideTheNanoFrameworkSubset()
    {
        var allow = ApiAllowList.LoadForDevice();
        var sources = DeviceSources.All();
        Assert.True(sources.Count > 10, "the nanoFramework projects list their Compile items");

        var violations = new PortabilityGuard(allow).Check(sources, DeviceSources.TestFrameworkApi());

        Assert.True(violations.Count == 0, "code outside the nanoFramework subset:\n" + string.Join("\n", violations));
    }
}
