// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X (PCIe 6.0 §7.7.2, §6.1.4.5): the capability in config space, and the
 * table and Pending Bit Array in one memory BAR of the function (table at
 * offset 0, PBA right after it, the BAR a 4 KiB multiple). Each vector owns an
 * msi_irq: a GSI whose route holds the vector's message, fed by an eventfd
 * (KVM's irqfd, or the qtest loop). A vector's message is pushed to its route
 * when the vector becomes deliverable (MSI-X enabled, function and vector
 * unmasked); a notification while masked sets its pending bit and is
 * delivered on unmask.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "iovirt/log.h"
#include "pci_internal.h"

#define MSIX_MAX_VECTORS 2048	/* Table Size is 11 bits, N-1 encoded */
#define MSIX_ENTRY_WORDS 4	/* lower address, upper address, data, vector control */

struct msix_vec {
	u32 entry[MSIX_ENTRY_WORDS];	/* as the guest programmed it (GUEST: any value) */
	struct msi_irq irq;
	bool external;	/* its eventfd was handed out (msix_vector_fd) */
	bool detached;	/* irqfd detached because the vector is masked */
};

struct msix {
	struct pci_dev *dev;
	unsigned nvec;
	unsigned bar;
	u8 cap;		/* offset of the capability */
	u32 table_size;
	u32 pba_off, pba_size;
	pthread_mutex_t lock;	/* guards vecs[], pba[], enabled, fmask, registered */
	bool registered;	/* vectors have routes (between msix_register and _unregister) */
	bool enabled;		/* mirror of Message Control.MSI-X_Enable */
	bool fmask;		/* mirror of Message Control.Function_Mask */
	u64 *pba;
	struct msix_vec vecs[];
};

static bool msix_vec_masked(const struct msix *m, const struct msix_vec *v)
{
	return !m->enabled || m->fmask || (v->entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void msix_pba_set(struct msix *m, unsigned i)
{
	m->pba[i / 64] |= BIT64(i % 64);
}

/* Events another process wrote to a detached vector's eventfd become its pending bit. */
static void msix_vec_drain(struct msix *m, unsigned i)
{
	u64 cnt = 0;

	if (read(m->vecs[i].irq.efd, &cnt, sizeof(cnt)) == sizeof(cnt) && cnt)
		msix_pba_set(m, i);
}

/* Bring vector i's route, irqfd and pending bit in line with its mask state. */
static void msix_vec_update(struct msix *m, unsigned i)
{
	struct msix_vec *v = &m->vecs[i];
	struct pci_dev *d = m->dev;
	u64 addr;
	int ret;

	if (!m->registered)
		return;
	if (msix_vec_masked(m, v)) {
		if (v->external && !v->detached && !msi_irq_attach(&v->irq, false))
			v->detached = true;
		return;
	}
	/* GUEST: any address/data; the router (and remapping) decides what it delivers. */
	addr = v->entry[0] | (u64)v->entry[1] << 32;
	ret = msi_irq_set(&v->irq, addr, v->entry[2]);
	if (ret)
		dev_warn_rl(&d->rl, d->name, "MSI-X vector %u: route update failed: %s", i,
			    strerror(-ret));
	if (v->detached) {
		/* Drain before re-attaching: KVM delivers what arrives after attach itself. */
		msix_vec_drain(m, i);
		if (!msi_irq_attach(&v->irq, true))
			v->detached = false;
	}
	if (m->pba[i / 64] & BIT64(i % 64)) {
		m->pba[i / 64] &= ~BIT64(i % 64);
		msi_irq_fire(&v->irq);
	}
}

static void msix_update_all(struct msix *m)
{
	for (unsigned i = 0; i < m->nvec; i++)
		msix_vec_update(m, i);
}

/* The naturally aligned qword at BAR offset q (lock held). */
static u64 msix_qword(struct msix *m, u64 q)
{
	if (q < m->table_size) {
		const u32 *e = m->vecs[q / 16].entry + (q % 16) / 4;

		return e[0] | (u64)e[1] << 32;
	}
	if (q >= m->pba_off && q - m->pba_off < m->pba_size) {
		unsigned idx = (unsigned)((q - m->pba_off) / 8);

		for (unsigned i = idx * 64; i < m->nvec && i < idx * 64 + 64; i++)
			if (m->vecs[i].detached)
				msix_vec_drain(m, i);
		return m->pba[idx];
	}
	return 0;	/* the rest of the BAR is reserved */
}

static void msix_bad(struct msix *m, const char *what, u64 off, unsigned len)
{
	struct pci_dev *d = m->dev;

	d->bad_accesses++;
	dev_warn_rl(&d->rl, d->name, "MSI-X %s at BAR offset 0x%llx len %u ignored", what,
		    (unsigned long long)off, len);
}

static void msix_bar_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct msix *m = opaque;
	u64 q;

	/* Software uses dword and qword accesses (§7.7.2); smaller aligned reads are harmless. */
	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % len) {
		memset(data, 0xff, len);
		msix_bad(m, "read", off, len);
		return;
	}
	pthread_mutex_lock(&m->lock);
	q = msix_qword(m, ALIGN_DOWN(off, 8ull));
	pthread_mutex_unlock(&m->lock);
	stn_le(data, len, q >> (8 * (off % 8)));
}

static void msix_bar_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct msix *m = opaque;
	u64 val = ldn_le(data, len);
	unsigned vec;

	if ((len != 4 && len != 8) || off % len) {
		msix_bad(m, "write", off, len);
		return;
	}
	if (off >= m->table_size)
		return;	/* the PBA is read-only; reserved space ignores writes */
	vec = (unsigned)(off / 16);
	pthread_mutex_lock(&m->lock);
	for (unsigned w = 0; w < len / 4; w++) {
		unsigned word = (unsigned)((off % 16) / 4) + w;
		u32 x = (u32)(val >> (32 * w));

		if (word == 0)
			x &= ~3u;	/* Message Address is dword aligned: bits 1:0 read 0 */
		else if (word == 3)
			x &= PCI_MSIX_ENTRY_CTRL_MASKBIT; /* the rest is reserved (no TPH) */
		m->vecs[vec].entry[word] = x;
	}
	msix_vec_update(m, vec);
	pthread_mutex_unlock(&m->lock);
}

static const struct bus_ops msix_bar_ops = {
	.read = msix_bar_read,
	.write = msix_bar_write,
};

int msix_init(struct pci_dev *d, unsigned nvec, unsigned bar)
{
	struct msix *m;
	u32 bar_size;
	u8 body[PCI_CAP_MSIX_SIZEOF - 2];
	int ret, off;

	if (d->msix || d->registered)
		return -EBUSY;
	if (!nvec || nvec > MSIX_MAX_VECTORS || bar >= PCI_NUM_BARS)
		return -EINVAL;
	m = calloc(1, sizeof(*m) + nvec * sizeof(m->vecs[0]));
	if (!m)
		return -ENOMEM;
	m->dev = d;
	m->nvec = nvec;
	m->bar = bar;
	m->table_size = nvec * PCI_MSIX_ENTRY_SIZE;
	m->pba_off = m->table_size;	/* 16-byte entries keep it qword aligned */
	m->pba_size = ALIGN_UP(nvec, 64u) / 8;
	m->pba = calloc(m->pba_size / 8, sizeof(u64));
	if (!m->pba) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (unsigned i = 0; i < nvec; i++) {
		m->vecs[i].entry[3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;	/* reset: masked */
		m->vecs[i].irq.efd = -1;
	}
	pthread_mutex_init(&m->lock, NULL);
	bar_size = 4096;
	while (bar_size < m->pba_off + m->pba_size)
		bar_size *= 2;
	ret = pci_set_bar(d, bar, PCI_BAR_MEM32, false, bar_size, &msix_bar_ops, m);
	if (ret)
		goto err_lock;

	pci_put(body, PCI_MSIX_FLAGS - 2, 2, nvec - 1);
	pci_put(body, PCI_MSIX_TABLE - 2, 4, 0 | bar);
	pci_put(body, PCI_MSIX_PBA - 2, 4, m->pba_off | bar);
	off = pci_add_cap(d, PCI_CAP_ID_MSIX, body, sizeof(body));
	if (off < 0) {
		ret = off;
		goto err_bar;
	}
	m->cap = (u8)off;
	pci_set_wmask(d, off + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	d->msix = m;
	return 0;

err_bar:
	d->bars[bar] = (struct pci_bar){ 0 };
	pci_put(d->cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4, 0);
	pci_set_wmask(d, PCI_BASE_ADDRESS_0 + 4 * bar, 4, 0);
err_lock:
	pthread_mutex_destroy(&m->lock);
	free(m->pba);
err_free:
	free(m);
	return ret;
}

int msix_register(struct pci_dev *d)
{
	struct msix *m = d->msix;
	unsigned i;
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nvec; i++) {
		ret = msi_irq_init(&m->vecs[i].irq, d->host->irq, pci_rid(d));
		if (ret)
			break;
	}
	if (ret) {
		while (i--)
			msi_irq_destroy(&m->vecs[i].irq);
	} else {
		m->registered = true;
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void msix_unregister(struct pci_dev *d)
{
	struct msix *m = d->msix;

	pthread_mutex_lock(&m->lock);
	if (m->registered) {
		for (unsigned i = 0; i < m->nvec; i++) {
			msi_irq_destroy(&m->vecs[i].irq);
			m->vecs[i].external = false;
			m->vecs[i].detached = false;
		}
		m->registered = false;
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_destroy(struct pci_dev *d)
{
	struct msix *m = d->msix;

	if (!m)
		return;
	msix_unregister(d);
	d->msix = NULL;
	pthread_mutex_destroy(&m->lock);
	free(m->pba);
	free(m);
}

void msix_cfg_written(struct pci_dev *d, u16 off, unsigned len)
{
	struct msix *m = d->msix;
	u16 ctrl;
	bool en, fm;

	if (!pci_overlaps(off, len, m->cap + PCI_MSIX_FLAGS, 2))
		return;
	ctrl = (u16)pci_get(d->cfg, m->cap + PCI_MSIX_FLAGS, 2);
	en = ctrl & PCI_MSIX_FLAGS_ENABLE;
	fm = ctrl & PCI_MSIX_FLAGS_MASKALL;
	pthread_mutex_lock(&m->lock);
	if (en != m->enabled || fm != m->fmask) {
		__atomic_store_n(&m->enabled, en, __ATOMIC_RELAXED);
		m->fmask = fm;
		msix_update_all(m);
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_reset(struct pci_dev *d)
{
	struct msix *m = d->msix;

	pthread_mutex_lock(&m->lock);
	__atomic_store_n(&m->enabled, false, __ATOMIC_RELAXED);
	m->fmask = false;
	memset(m->pba, 0, m->pba_size);
	for (unsigned i = 0; i < m->nvec; i++) {
		memset(m->vecs[i].entry, 0, sizeof(m->vecs[i].entry));
		m->vecs[i].entry[3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	msix_update_all(m);
	/* Events a detached vector's eventfd held belong to the old life of the function. */
	for (unsigned i = 0; i < m->nvec; i++)
		if (m->vecs[i].detached)
			msix_vec_drain(m, i);
	memset(m->pba, 0, m->pba_size);
	pthread_mutex_unlock(&m->lock);
}

void msix_notify(struct pci_dev *d, unsigned vec)
{
	struct msix *m = d->msix;
	struct msix_vec *v;

	if (!m || vec >= m->nvec) {
		dev_warn_rl(&d->rl, d->name, "notify of MSI-X vector %u that does not exist", vec);
		return;
	}
	v = &m->vecs[vec];
	pthread_mutex_lock(&m->lock);
	/* With MSI-X disabled the function signals through INTx (or not at all): drop. */
	if (m->registered && m->enabled) {
		if (msix_vec_masked(m, v))
			msix_pba_set(m, vec);
		else
			msi_irq_fire(&v->irq);
	}
	pthread_mutex_unlock(&m->lock);
}

bool msix_enabled(const struct pci_dev *d)
{
	const struct msix *m = d->msix;

	return m && __atomic_load_n(&m->enabled, __ATOMIC_RELAXED);
}

int msix_vector_fd(struct pci_dev *d, unsigned vec)
{
	struct msix *m = d->msix;
	int fd = -1;

	if (!m || vec >= m->nvec)
		return -1;
	pthread_mutex_lock(&m->lock);
	if (m->registered) {
		m->vecs[vec].external = true;
		msix_vec_update(m, vec);	/* detaches it now if it is masked */
		fd = m->vecs[vec].irq.efd;
	}
	pthread_mutex_unlock(&m->lock);
	return fd;
}
