namespace Esp32.Formats.AppImage;

/// <summary>
/// <c>esp_image_spi_freq_t</c> for the ESP32: the low nibble of header byte 3 (esptool
/// <c>ESP32ROM.FLASH_FREQUENCY</c>).
/// </summary>
public enum FlashFrequency : byte
{
    /// <summary>"40m" (ESP_IMAGE_SPI_SPEED_DIV_2).</summary>
    Freq40MHz = 0x0,

    /// <summary>"26m" (DIV_3).</summary>
    Freq26MHz = 0x1,

    /// <summary>"20m" (DIV_4).</summary>
    Freq20MHz = 0x2,

    /// <summary>"80m" (DIV_1).</summary>
    Freq80MHz = 0xF,
}
