// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability lists. Standard capabilities live in 0x40..0xFF, each a 2-byte
 * header (ID, next pointer) and a body, chained from the Capabilities Pointer
 * at 0x34 (PCI 3.0 §6.7; PCIe 6.0 §7.5.1.1.11). Extended capabilities live in
 * 0x100..0xFFF with a 4-byte header (ID 15:0, version 19:16, next 31:20)
 * starting at 0x100 (PCIe 6.0 §7.6.3). Both lists are built here, before the
 * function is registered, and are read-only to the guest except for the
 * registers each capability's owner opens with pci_set_wmask().
 */
#include <errno.h>

#include "pci_internal.h"

#define PCI_CAP_TTL 48		/* (256 - 64) / 4: more hops than that is a loop */
#define PCI_EXT_CAP_TTL 480	/* (4096 - 256) / 8 */

u8 pci_find_cap(const struct pci_dev *d, u8 id)
{
	u8 pos = d->cfg[PCI_CAPABILITY_LIST];

	if (!(pci_get(d->cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (unsigned ttl = PCI_CAP_TTL; ttl && pos >= PCI_STD_HEADER_SIZEOF; ttl--) {
		pos &= ~3;
		if (d->cfg[pos + PCI_CAP_LIST_ID] == id)
			return pos;
		pos = d->cfg[pos + PCI_CAP_LIST_NEXT];
	}
	return 0;
}

u16 pci_find_ext_cap(const struct pci_dev *d, u16 id)
{
	u16 pos = PCI_CFG_SPACE_SIZE;

	for (unsigned ttl = PCI_EXT_CAP_TTL; ttl && pos >= PCI_CFG_SPACE_SIZE; ttl--) {
		u32 hdr = pci_get(d->cfg, pos, 4);

		if (!hdr)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

int pci_add_cap(struct pci_dev *d, u8 id, const void *body, u8 body_len)
{
	unsigned off = ALIGN_UP((unsigned)d->next_cap, 4u), end;
	u8 pos;

	if (d->registered)
		return -EBUSY;
	if (off < PCI_STD_HEADER_SIZEOF || off + PCI_CAP_LIST_NEXT + 1 + body_len > PCI_CFG_SPACE_SIZE)
		return -ENOSPC;
	d->cfg[off + PCI_CAP_LIST_ID] = id;
	d->cfg[off + PCI_CAP_LIST_NEXT] = 0;
	if (body_len)
		memcpy(&d->cfg[off + 2], body, body_len);
	/* Append at the tail, so the guest walks capabilities in the order they were added. */
	if (!(pci_get(d->cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
		d->cfg[PCI_CAPABILITY_LIST] = (u8)off;
		pci_put(d->cfg, PCI_STATUS, 2,
			pci_get(d->cfg, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	} else {
		pos = d->cfg[PCI_CAPABILITY_LIST];
		while (d->cfg[pos + PCI_CAP_LIST_NEXT])
			pos = d->cfg[pos + PCI_CAP_LIST_NEXT];
		d->cfg[pos + PCI_CAP_LIST_NEXT] = (u8)off;
	}
	end = off + 2 + body_len;
	/* 0 once full: the next add then fails the range check. */
	d->next_cap = end >= PCI_CFG_SPACE_SIZE ? 0 : (u8)end;
	return (int)off;
}

int pci_add_ext_cap(struct pci_dev *d, u16 id, u8 version, const void *body, u16 body_len)
{
	unsigned off = ALIGN_UP((unsigned)d->next_ext_cap, 4u);
	u32 hdr;

	if (d->registered)
		return -EBUSY;
	if (off < PCI_CFG_SPACE_SIZE || version > 0xf ||
	    off + 4 + (unsigned)body_len > PCI_CFG_SPACE_SIZE_EXP)
		return -ENOSPC;
	pci_put(d->cfg, off, 4, id | (u32)version << 16);
	if (body_len)
		memcpy(&d->cfg[off + 4], body, body_len);
	if (d->last_ext_cap) {
		hdr = pci_get(d->cfg, d->last_ext_cap, 4);
		pci_put(d->cfg, d->last_ext_cap, 4, (hdr & 0xfffff) | off << 20);
	}
	d->last_ext_cap = (u16)off;
	d->next_ext_cap = (u16)(off + 4 + body_len);
	return (int)off;
}

int pci_add_pcie_cap(struct pci_dev *d)
{
	/* The whole version 2 structure, through Slot Status 2 (§7.5.3). */
	u8 body[PCI_EXP_SLTSTA2 + 2 - 2] = { 0 };
	int off;

	if (d->pcie_cap)
		return -EEXIST;
	off = pci_add_cap(d, PCI_CAP_ID_EXP, body, sizeof(body));
	if (off < 0)
		return off;
	/*
	 * A function on the root complex's own bus with no link is a Root Complex
	 * Integrated Endpoint (§7.5.3.2): its Link and Slot registers are reserved
	 * (read 0), which is what Linux expects for PCI_EXP_TYPE_RC_END.
	 */
	pci_put(d->cfg, off + PCI_EXP_FLAGS, 2, 2 | PCI_EXP_TYPE_RC_END << 4);
	/* 128-byte payload, extended tags, role-based error reporting (§7.5.3.3). */
	pci_put(d->cfg, off + PCI_EXP_DEVCAP, 4, PCI_EXP_DEVCAP_EXT_TAG | PCI_EXP_DEVCAP_RBER);
	/* Device Control defaults: relaxed ordering, no snoop, 512-byte reads (§7.5.3.4). */
	pci_put(d->cfg, off + PCI_EXP_DEVCTL, 2,
		PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B);
	pci_set_wmask(d, off + PCI_EXP_DEVCTL, 2,
		      PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
			      PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN |
			      PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_EXT_TAG |
			      PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
	/* Initiate FLR is not in wmask: it always reads 0; pci_cfg_write acts on it. */
	pci_put(d->w1cmask, off + PCI_EXP_DEVSTA, 2,
		PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	d->pcie_cap = (u8)off;
	return off;
}

void pci_claim_cfg(struct pci_dev *d, u16 off, u16 len)
{
	for (unsigned i = off; i < (unsigned)off + len && i < PCI_CFG_SPACE_SIZE_EXP; i++)
		d->claimed[i / 8] |= (u8)(1u << (i % 8));
}
