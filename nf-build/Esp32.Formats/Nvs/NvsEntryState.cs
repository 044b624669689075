namespace Esp32.Formats.Nvs;

/// <summary>2-bit state of one entry in the page bitmap (Page::EntryState); bits are only ever cleared.</summary>
internal enum NvsEntryState : byte
{
    /// <summary>0b11, erased flash.</summary>
    Empty = 3,
    /// <summary>0b10, entry holds data.</summary>
    Written = 2,
    /// <summary>0b00, entry was written and then erased.</summary>
    Erased = 0,
    /// <summary>0b01, only possible if flash is inconsistent.</summary>
    Illegal = 1,
}
