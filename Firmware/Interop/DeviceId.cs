using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>The chip's identity.</summary>
    public static class DeviceId
    {
        /// <summary>esp_efuse_mac_get_default: the factory base MAC (6 bytes, eFuse BLK0), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] BaseMac();
    }
}
