namespace Esp32.Formats.Nvs;

/// <summary>Outcome of reading an nvs_keys partition, as <c>nvs_flash_read_security_cfg</c> reports it.</summary>
public enum NvsKeysStatus
{
    /// <summary>Keys present and the CRC matches (ESP_OK).</summary>
    Valid,

    /// <summary>Keys and CRC are all 0xFF: never generated (ESP_ERR_NVS_KEYS_NOT_INITIALIZED).</summary>
    NotInitialized,

    /// <summary>Something is written but the CRC does not match (ESP_ERR_NVS_CORRUPT_KEY_PART).</summary>
    Corrupt,
}
