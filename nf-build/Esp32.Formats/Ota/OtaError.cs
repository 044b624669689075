namespace Esp32.Formats.Ota;

/// <summary>The <c>esp_err_t</c> results of the esp_ota_* functions that are modelled.</summary>
public enum OtaError
{
    /// <summary>ESP_OK.</summary>
    Ok,

    /// <summary>ESP_FAIL (e.g. marking an app valid/invalid while no OTA entry is active: "Running firmware is factory").</summary>
    Fail,

    /// <summary>ESP_ERR_INVALID_ARG (e.g. an OTA slot beyond the number of OTA app partitions).</summary>
    InvalidArgument,

    /// <summary>ESP_ERR_NOT_FOUND (no otadata partition, no OTA apps, or no entry for the slot).</summary>
    NotFound,

    /// <summary>ESP_ERR_NOT_SUPPORTED (state asked for a partition that is not an OTA app).</summary>
    NotSupported,

    /// <summary>ESP_ERR_OTA_VALIDATE_FAILED (the image to boot does not verify).</summary>
    ValidateFailed,

    /// <summary>ESP_ERR_OTA_ROLLBACK_FAILED (no other bootable app to roll back to).</summary>
    RollbackFailed,

    /// <summary>ESP_ERR_OTA_SMALL_SEC_VER (anti-rollback: the image's secure_version is below the eFuse value).</summary>
    SmallSecureVersion,
}
