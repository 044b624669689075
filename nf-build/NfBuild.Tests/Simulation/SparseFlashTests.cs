using Esp32.Formats.Flash;
using Esp32.Virtual;
using Xunit;

namespace NfBuild.Tests.Simulation;

/// <summary>The sparse flash obeys the NOR rules of the dense one and holds only written sectors.</summary>
public class SparseFlashTests
{
    [Fact]
    public void Behaves_like_MemoryFlash_for_writes_erases_and_reads_across_sectors()
    {
        var dense = new MemoryFlash(64 * 1024);
        var sparse = new SparseFlash(64 * 1024);
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            int op = random.Next(3);
            if (op == 2)
            {
                int sector = random.Next(16) * 4096;
                dense.Erase(sector, 4096);
                sparse.Erase(sector, 4096);
                continue;
            }
            int offset = random.Next(60 * 1024);
            var data = new byte[random.Next(1, 9000) is var n && offset + n <= 64 * 1024 ? n : 64 * 1024 - offset];
            random.NextBytes(data);
            dense.Write(offset, data);
            sparse.Write(offset, data);
        }
        Assert.Equal(dense.Contents, sparse.ToArray());
        var a = new byte[5000];
        var b = new byte[5000];
        dense.Read(3000, a);
        sparse.Read(3000, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Holds_only_sectors_that_were_written_and_a_provisioned_chip_keeps_most_of_4MB_unallocated()
    {
        var sparse = new SparseFlash(FlashChip.DefaultSize);
        Assert.Equal(0, sparse.AllocatedSectors);
        sparse.Write(4096 * 3 + 10, [0x00, 0x01]);
        sparse.Write(4096 * 5, [0xFF, 0xFF]); // all-ones programs nothing: no sector
        Assert.Equal(1, sparse.AllocatedSectors);
        sparse.Erase(4096 * 3, 4096);
        Assert.Equal(0, sparse.AllocatedSectors);
        Assert.All(sparse.ToArray(), x => Assert.Equal(0xFF, x));

        var chip = FlashChip.CreateSparse();
        chip.Io.Write(0x9000, new byte[32]);
        Assert.Equal(4096, chip.ResidentBytes);
        var dense = new FlashChip();
        dense.Io.Write(0x9000, new byte[32]);
        Assert.Equal(dense.Dump(), chip.Dump());
        Assert.Equal(dense.Dump(), dense.ToSparse().Dump());
    }
}
