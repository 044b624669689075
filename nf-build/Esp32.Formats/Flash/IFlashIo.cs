namespace Esp32.Formats.Flash;

/// <summary>
/// A window of NOR flash as ESP-IDF's <c>esp_partition_*</c> functions see it: offsets are relative
/// to the start of the window, erase works on whole 4 KB sectors (bytes become 0xFF), and a write can
/// only clear bits (new = old AND data). Implemented by <see cref="MemoryFlash"/> for unit tests and
/// by the virtual ESP32 (which adds transparent flash encryption and power-cut injection).
/// </summary>
public interface IFlashIo
{
    /// <summary>Size of the window in bytes (a multiple of <see cref="FlashGeometry.SectorSize"/>).</summary>
    int Size { get; }

    void Read(int offset, Span<byte> destination);

    /// <summary>Programs bytes: each stored bit becomes old AND new, as on NOR flash.</summary>
    void Write(int offset, ReadOnlySpan<byte> data);

    /// <summary>Erases <paramref name="length"/> bytes from <paramref name="offset"/>; both must be 4 KB aligned.</summary>
    void Erase(int offset, int length);
}

public static class FlashGeometry
{
    /// <summary>SPI flash erase unit (SPI_FLASH_SEC_SIZE).</summary>
    public const int SectorSize = 4096;
}
