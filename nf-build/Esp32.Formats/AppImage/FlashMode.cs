namespace Esp32.Formats.AppImage;

/// <summary><c>esp_image_spi_mode_t</c>: header byte 2 (esptool FLASH_MODES).</summary>
public enum FlashMode : byte
{
    /// <summary>"qio": quad I/O (ESP_IMAGE_SPI_MODE_QIO).</summary>
    Qio = 0,

    /// <summary>"qout": quad output.</summary>
    Qout = 1,

    /// <summary>"dio": dual I/O (the ESP-IDF default).</summary>
    Dio = 2,

    /// <summary>"dout": dual output.</summary>
    Dout = 3,

    /// <summary>Fast read (single line).</summary>
    FastRead = 4,

    /// <summary>Slow read (single line).</summary>
    SlowRead = 5,
}
