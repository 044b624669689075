namespace Esp32.Formats.AppImage;

/// <summary>
/// <c>esp_image_flash_size_t</c>: the high nibble of header byte 3 (esptool <c>FLASH_SIZES</c>, e.g. "4MB" = 0x20).
/// </summary>
public enum FlashChipSize : byte
{
    Size1MB = 0,
    Size2MB = 1,
    Size4MB = 2,
    Size8MB = 3,
    Size16MB = 4,
    Size32MB = 5,
    Size64MB = 6,
    Size128MB = 7,
}
