namespace Esp32.Formats.AppImage;

/// <summary><c>esp_image_spi_mode_t</c>: header byte 2 (esptool FLASH_MODES).</summary>
public enum FlashMode : byte
{
    Qio = 0,
    Qout = 1,
    Dio = 2,
    Dout = 3,
    FastRead = 4,
    SlowRead = 5,
}
