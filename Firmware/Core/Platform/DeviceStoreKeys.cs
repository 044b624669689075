namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The NVS namespace and keys of README "Device protocols" ("NVS schema on the device"), in one place so the
    /// provisioning tool, the virtual device and the firmware cannot disagree on a spelling.
    /// Identity slot keys are built by IdentityStore.SlotKey ("id" + slot + "_" + suffix).
    /// </summary>
    public static class DeviceStoreKeys
    {
        public const string Namespace = "iotdev";
        public const string DeviceId = "dev_id";
        public const string RootCa0 = "ca_0";
        public const string RootCa1 = "ca_1";
        public const string ActiveIdentity = "id_act";
        public const string FallbackUser = "fb_user";
        public const string PrimaryEndpoints = "ep_primary";
        public const string FallbackEndpoints = "ep_fallback";
        public const string WifiSsid = "wifi_ssid";
        public const string WifiPassword = "wifi_pass";
        public const string TimeFloor = "time_floor";

        /// <summary>Suffixes of the per-slot keys: id0_crt, id0_chain, id0_key, id0_fbpw (and id1_...).</summary>
        public const string CertificateSuffix = "crt";
        public const string ChainSuffix = "chain";
        public const string KeySuffix = "key";
        public const string FallbackPasswordSuffix = "fbpw";
    }
}
