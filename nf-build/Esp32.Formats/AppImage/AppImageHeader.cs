using System.Buffers.Binary;

namespace Esp32.Formats.AppImage;

/// <summary>
/// <c>esp_image_header_t</c>, the 24-byte packed header at the start of an app image
/// (bootloader_support/include/esp_app_format.h; esptool <c>"&lt;BBBBI"</c> + <c>EXTENDED_HEADER_STRUCT_FMT</c>).
/// The defaults are what ESP-IDF v5.5 writes for an ESP32 app on 4 MB DIO flash at 40 MHz.
/// </summary>
public sealed record AppImageHeader
{
    /// <summary>Size of the header.</summary>
    public const int Size = 24;

    /// <summary><c>ESP_IMAGE_HEADER_MAGIC</c>.</summary>
    public const byte ImageMagic = 0xE9;

    /// <summary><c>ESP_IMAGE_MAX_SEGMENTS</c>.</summary>
    public const int MaxSegments = 16;

    /// <summary><c>ESP_CHIP_ID_ESP32</c>.</summary>
    public const ushort Esp32ChipId = 0x0000;

    /// <summary>wp_pin value meaning "not used" (esptool <c>WP_PIN_DISABLED</c>).</summary>
    public const byte WpPinDisabled = 0xEE;

    /// <summary>Byte 0, <see cref="ImageMagic"/>.</summary>
    public byte Magic { get; init; } = ImageMagic;

    /// <summary>Byte 1, number of segments including padding segments.</summary>
    public byte SegmentCount { get; init; }

    /// <summary>Byte 2, SPI flash mode.</summary>
    public FlashMode SpiMode { get; init; } = FlashMode.Dio;

    /// <summary>Byte 3 low nibble.</summary>
    public FlashFrequency SpiSpeed { get; init; } = FlashFrequency.Freq40MHz;

    /// <summary>Byte 3 high nibble.</summary>
    public FlashChipSize SpiSize { get; init; } = FlashChipSize.Size4MB;

    /// <summary>Bytes 4..7, entry point address.</summary>
    public uint EntryAddress { get; init; }

    /// <summary>Byte 8.</summary>
    public byte WpPin { get; init; } = WpPinDisabled;

    /// <summary>Bytes 9..11 (<c>spi_pin_drv[3]</c>) as a little-endian 24-bit value; esptool splits each byte
    /// into two nibbles: clk/q, d/cs, hd/wp drive strengths.</summary>
    public uint SpiPinDrive { get; init; }

    /// <summary>Bytes 12..13, <c>esp_chip_id_t</c> (ESP32 = 0).</summary>
    public ushort ChipId { get; init; } = Esp32ChipId;

    /// <summary>Byte 14, legacy minimum chip revision (major).</summary>
    public byte MinChipRev { get; init; }

    /// <summary>Bytes 15..16, minimum chip revision as major × 100 + minor.</summary>
    public ushort MinChipRevFull { get; init; }

    /// <summary>Bytes 17..18, maximum chip revision as major × 100 + minor (v5.5 ESP32 default v3.99 = 399).</summary>
    public ushort MaxChipRevFull { get; init; } = 399;

    /// <summary>Bytes 19..22, reserved (little-endian).</summary>
    public uint Reserved { get; init; }

    /// <summary>Byte 23: 1 when a SHA-256 of the image follows the checksum (ESP-IDF treats any non-zero as 1).</summary>
    public byte HashAppended { get; init; } = 1;

    /// <summary>The SPI speed/size byte as stored.</summary>
    public byte SpeedAndSize => (byte)(((byte)SpiSize << 4) | ((byte)SpiSpeed & 0x0F));

    /// <summary>Writes the 24 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size) throw new ArgumentException($"the image header needs {Size} bytes", nameof(destination));
        destination[0] = Magic;
        destination[1] = SegmentCount;
        destination[2] = (byte)SpiMode;
        destination[3] = SpeedAndSize;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], EntryAddress);
        destination[8] = WpPin;
        destination[9] = (byte)SpiPinDrive;
        destination[10] = (byte)(SpiPinDrive >> 8);
        destination[11] = (byte)(SpiPinDrive >> 16);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], ChipId);
        destination[14] = MinChipRev;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[15..], MinChipRevFull);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[17..], MaxChipRevFull);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[19..], Reserved);
        destination[23] = HashAppended;
    }

    /// <summary>Decodes the 24 bytes (no checks; <see cref="AppImageInfo.Parse"/> checks).</summary>
    public static AppImageHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size) throw new ArgumentException($"the image header is {Size} bytes", nameof(source));
        return new AppImageHeader
        {
            Magic = source[0],
            SegmentCount = source[1],
            SpiMode = (FlashMode)source[2],
            SpiSpeed = (FlashFrequency)(source[3] & 0x0F),
            SpiSize = (FlashChipSize)(source[3] >> 4),
            EntryAddress = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            WpPin = source[8],
            SpiPinDrive = (uint)(source[9] | source[10] << 8 | source[11] << 16),
            ChipId = BinaryPrimitives.ReadUInt16LittleEndian(source[12..]),
            MinChipRev = source[14],
            MinChipRevFull = BinaryPrimitives.ReadUInt16LittleEndian(source[15..]),
            MaxChipRevFull = BinaryPrimitives.ReadUInt16LittleEndian(source[17..]),
            Reserved = BinaryPrimitives.ReadUInt32LittleEndian(source[19..]),
            HashAppended = source[23],
        };
    }
}
