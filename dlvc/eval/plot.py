"""RD curves: one PNG per sequence, Y-PSNR against bitrate, every codec on it."""
import os


def rd_plots(curves, seqs, labels, out_dir, title="", key="psnr_y"):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    out = {}
    for s in seqs:
        fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
        for i, lab in enumerate(labels):
            pts = curves.get(lab, {}).get(s)
            if not pts:
                continue
            ax.plot([r["bitrate_kbps"] for r in pts], [r[key] for r in pts], marker="osd^v<>x"[i % 8],
                    label=lab, linestyle="--" if i == 0 else "-")
        ax.set_xlabel("bitrate (kbit/s)")
        ax.set_ylabel(key.replace("psnr_", "").upper() + "-PSNR (dB)")
        ax.set_title(f"{s} {title}".strip())
        ax.grid(True, alpha=0.4)
        ax.legend()
        fig.tight_layout()
        p = os.path.join(out_dir, f"rd_{s}.png")
        tmp = p + ".tmp.png"
        fig.savefig(tmp, format="png")
        plt.close(fig)
        os.replace(tmp, p)
        out[s] = p
    return out
