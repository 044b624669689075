namespace Esp32.Formats.AppImage;

/// <summary>
/// <c>esp_image_flash_size_t</c>: the high nibble of header byte 3 (esptool <c>FLASH_SIZES</c>, e.g. "4MB" = 0x20).
/// </summary>
public enum FlashChipSize : byte
{
    /// <summary>"1MB" (ESP_IMAGE_FLASH_SIZE_1MB).</summary>
    Size1MB = 0,

    /// <summary>"2MB".</summary>
    Size2MB = 1,

    /// <summary>"4MB" (the Lolin32's flash).</summary>
    Size4MB = 2,

    /// <summary>"8MB".</summary>
    Size8MB = 3,

    /// <summary>"16MB".</summary>
    Size16MB = 4,

    /// <summary>"32MB".</summary>
    Size32MB = 5,

    /// <summary>"64MB".</summary>
    Size64MB = 6,

    /// <summary>"128MB".</summary>
    Size128MB = 7,
}
