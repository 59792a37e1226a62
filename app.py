"""FashSeg web app: classify clothing, segment building facades, browse what the models learned.

    python app.py                 # http://127.0.0.1:7860
    python app.py --share         # plus a temporary public link
    python app.py --host 0.0.0.0 --port 8080

This file only lays out the UI and wires events; the work happens in fashseg/.
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home unless asked

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from fashseg import plots
from fashseg.labels import FASHION_CLASSES
from fashseg.preprocess import InputError
from fashseg.service import FashSeg
from fashseg.ui import EXCEPTION_HANDLERS, BodyLimit, SafeImage, SafeSketchpad, limit_malloc_arenas, plain_refusals, user_errors
from fashseg.visualize import colorize

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
CHECKPOINTS = Path(os.environ.get("FASHSEG_CHECKPOINTS", HERE / "checkpoints"))
NO_IMAGE = "No image given: upload a picture (PNG, JPEG, WebP...) or pick an example."


def build_demo(svc: FashSeg) -> gr.Blocks:
    # ---------------------------------------------------------------- handlers: thin wrappers over FashSeg
    def shown(r):
        """One classification as the five outputs: probabilities, the two pictures, the note, the verdict."""
        return r.probs, svc.to_file(r.seen, "seen"), svc.to_file(r.heat, "heat"), r.note, r.verdict

    @user_errors
    def classify(image):
        if image is None:  # the upload was cleared
            return None, None, None, NO_IMAGE, None
        return shown(svc.classify(image))

    @user_errors
    def classify_drawing(editor):
        return shown(svc.classify_canvas(editor))

    @user_errors
    def classify_drawing_live(editor):
        """Runs after every stroke; an empty canvas (just cleared) quietly clears the results."""
        try:
            return shown(svc.classify_canvas(editor))
        except InputError:
            return None, None, None, "", None

    @user_errors
    def segment(image, opacity, progress=gr.Progress()):
        if image is None:
            return None, NO_IMAGE, None, None, None
        progress(0.1, desc="Segmenting")
        r = svc.segment(image, opacity)
        return svc.to_file(r.overlay, "overlay"), r.legend, r.shares, r.png_path, r.labels

    @user_errors
    def reblend(image, labels, opacity):
        return svc.to_file(svc.reblend(image, labels, opacity), "overlay")

    @user_errors
    def confused(true, pred):
        ins = svc.fashion()
        return ins.confused(true, pred), f"{ins.confusion_count(true, pred)} test images of **{true}** were predicted as **{pred}**."

    # ---------------------------------------------------------------- layout
    with gr.Blocks(title="FashSeg", delete_cache=(300, 600)) as demo:  # uploads older than 10 min go, checked every 5
        gr.Markdown("# FashSeg\nClothing classification on Fashion-MNIST and building-facade segmentation on Mini Facade.")

        with gr.Tab("Classify clothing"):
            if svc.classifier_error:
                gr.Markdown(f"⚠️ **This tab is unavailable.** {svc.classifier_error}")
            with gr.Row():
                with gr.Column():
                    with gr.Tab("Draw"):
                        canvas = SafeSketchpad(
                            label="Draw a piece of clothing (outline or filled)",
                            type="filepath",
                            canvas_size=(400, 400),
                            brush=gr.Brush(default_size=12, colors=["#000000"], color_mode="fixed"),
                        )
                        draw_btn = gr.Button("Classify drawing", variant="primary")
                    with gr.Tab("Upload"):
                        photo = SafeImage(
                            label="Photo of a garment, shoe or bag",
                            type="filepath",
                            sources=["upload", "clipboard"],
                            height=320,
                            elem_id="photo",
                        )
                        gr.Examples(
                            sorted(str(p) for p in (EXAMPLES / "fashion").glob("*.png")),
                            inputs=photo,
                            label="Fashion-MNIST test images and drawings",
                        )
                with gr.Column():
                    probs = gr.Label(num_top_classes=10, label="Class probabilities")
                    note = gr.Markdown()
                    verdict = gr.JSON(visible=False, label="Verdict")
                    with gr.Row():
                        seen = gr.Image(label="What the network sees (28x28)", height=300)
                        heat = gr.Image(label="What drove the decision (Grad-CAM)", height=300)

        with gr.Tab("Segment a building"):
            if svc.segmenter_error:
                gr.Markdown(f"⚠️ **This tab is unavailable.** {svc.segmenter_error}")
            with gr.Row():
                with gr.Column():
                    building = SafeImage(
                        label="Photo of a building facade (any size)",
                        type="filepath",
                        sources=["upload", "clipboard"],
                        height=360,
                        elem_id="building",
                    )
                    opacity = gr.Slider(0, 1, value=0.5, step=0.05, label="Overlay opacity")
                    seg_btn = gr.Button("Segment", variant="primary")
                    gr.Examples(
                        sorted(str(p) for p in (EXAMPLES / "facade").glob("*.jpg")),
                        inputs=building,
                        label="Mini Facade test_dev photos (CMP Facade Database, Tyleček & Šára 2013)",
                    )
                with gr.Column():
                    seg_img = gr.Image(label="Segmentation", height=420)
                    legend = gr.HTML()
                    shares = gr.Label(label="Share of the picture", num_top_classes=5)
                    label_png = gr.File(label="Label map (palette PNG, original size)")
            seg_labels = gr.State()

        with gr.Tab("Model insights"):
            with gr.Tab("Classifier"):
                try:
                    ins = svc.fashion()
                except Exception as e:
                    gr.Markdown(f"⚠️ {e}")
                else:
                    gr.Markdown(ins.summary_markdown())
                    gr.Markdown(ins.robustness_markdown())
                    with gr.Row():
                        gr.Markdown(ins.table_markdown())
                        gr.Plot(
                            plots.per_class_bars(ins.metrics["per_class_accuracy"], "Per-class test accuracy"), label="Per-class accuracy"
                        )
                        gr.Plot(plots.confusion_heatmap(ins.metrics["confusion_matrix"], ins.classes), label="Confusion matrix")
                    gr.Gallery(ins.gallery(), label="2 correct (✓) and 2 wrong (✗) test images per class", columns=8, height="auto")
                    gr.Markdown("### Which images get confused?")
                    with gr.Row():
                        true_cls = gr.Dropdown(list(FASHION_CLASSES), value="Shirt", label="True class")
                        pred_cls = gr.Dropdown(list(FASHION_CLASSES), value="T-shirt/top", label="Predicted as")
                    confused_md = gr.Markdown()
                    confused_gallery = gr.Gallery(label="Confused test images", columns=8, height="auto")
                    if svc.classifier is not None:
                        gr.Plot(plots.filter_grid(svc.classifier.first_layer_filters()), label="First-layer filters")
                    gr.Plot(plots.training_curves(ins.metrics["history"], ("loss", "acc")), label="Training curves")
                    for dd in (true_cls, pred_cls):
                        dd.change(confused, [true_cls, pred_cls], [confused_gallery, confused_md], api_visibility="private")
                    demo.load(confused, [true_cls, pred_cls], [confused_gallery, confused_md], api_visibility="private")
            with gr.Tab("Segmenter"):
                try:
                    fins = svc.facade()
                except Exception as e:
                    gr.Markdown(f"⚠️ {e}")
                else:
                    gr.Markdown(fins.summary_markdown())
                    with gr.Row():
                        gr.Plot(
                            plots.grouped_class_bars(
                                {"AP": fins.metrics["per_class_ap"], "IoU": fins.metrics["per_class_iou"]},
                                "Per-class AP and IoU on test_dev",
                            ),
                            label="Per-class AP and IoU",
                        )
                        gr.Plot(plots.training_curves(fins.metrics["history"], ("loss", "acc")), label="Training curves")
                    ex = fins.examples
                    gr.Plot(
                        plots.facade_examples(ex["image"], ex["truth"], ex["pred"], ex["name"], colorize),
                        label="test_dev: photo, ground truth, prediction",
                    )

        # ---------------------------------------------------------------- events
        outs = [probs, seen, heat, note, verdict]
        photo.change(classify, photo, outs, api_name="classify")
        # one queue for both canvas events, so a stroke's late answer never overwrites the button's
        draw_btn.click(classify_drawing, canvas, outs, api_name="classify_drawing", concurrency_id="canvas", concurrency_limit=1)
        canvas.change(
            classify_drawing_live,
            canvas,
            outs,
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
            concurrency_id="canvas",
            concurrency_limit=1,
        )
        seg_btn.click(segment, [building, opacity], [seg_img, legend, shares, label_png, seg_labels], api_name="segment")
        building.change(segment, [building, opacity], [seg_img, legend, shares, label_png, seg_labels], api_visibility="private")
        opacity.release(reblend, [building, seg_labels, opacity], seg_img, api_visibility="private")
    return demo


limit_malloc_arenas()
demo = plain_refusals(build_demo(FashSeg(CHECKPOINTS)))
demo.queue(default_concurrency_limit=2, max_size=64)


def main(argv=None):
    p = argparse.ArgumentParser(description="Run the FashSeg web app.")
    p.add_argument(
        "--host",
        default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        help="address to bind (default 127.0.0.1; 0.0.0.0 to serve your network)",
    )
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)), help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also create a temporary public *.gradio.live link")
    args = p.parse_args(argv)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        max_file_size="25mb",
        show_error=True,
        enable_monitoring=False,
        app_kwargs={"middleware": [Middleware(BodyLimit)], "exception_handlers": EXCEPTION_HANDLERS},
        theme=gr.themes.Soft(),
    )


if __name__ == "__main__":
    main()
